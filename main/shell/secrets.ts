import { safeStorage } from 'electron';
import { desktopKeychain, MemorySecretStore, SecretFile, type SecretStore } from '../services/secrets';

/**
 * The desktop app's SecretStore: each secret encrypted with safeStorage (DPAPI on Windows, the
 * Keychain on macOS, libsecret/KWallet on Linux), the ciphertext in `secrets.json` in the data
 * folder. Where safeStorage would not protect them (see desktopKeychain) they stay in memory.
 * Call after app 'ready' (safeStorage needs it on Linux).
 *
 * The synchronous encryptString/decryptString are deprecated in Electron 45 in favour of the async
 * ones; the SecretStore port is synchronous (provisioning reads it while starting), so moving to
 * the async calls means loading the store before the services start.
 */
export function safeStorageSecrets(file: string): SecretStore {
  const choice = desktopKeychain({
    available: safeStorage.isEncryptionAvailable(),
    platform: process.platform,
    linuxBackend: process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined,
  });
  if (choice.use === 'memory') return new MemorySecretStore(choice.description);
  return new SecretFile(file, choice.description, {
    name: 'safeStorage',
    encrypt: (plain) => safeStorage.encryptString(plain).toString('base64'),
    decrypt: (cipherText) => safeStorage.decryptString(Buffer.from(cipherText, 'base64')),
  });
}
