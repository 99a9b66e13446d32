import { safeStorage } from 'electron';
import type { Logger } from '../services/logger';
import { desktopKeychain, KeychainSecretFile, MemorySecretStore, type SecretStore } from '../services/secrets';

/**
 * The desktop app's SecretStore: each secret encrypted with safeStorage (DPAPI on Windows, the
 * Keychain on macOS, libsecret/KWallet on Linux), the ciphertext in `secrets.json` in the data
 * folder. Where safeStorage would not protect them (see desktopKeychain) they stay in memory.
 * Uses the asynchronous safeStorage API (Electron 45 deprecates encryptString/decryptString):
 * the store is decrypted once here, before the services start, and written in the background
 * (KeychainSecretFile). Call after app 'ready'.
 */
export async function safeStorageSecrets(file: string, log: Logger): Promise<SecretStore> {
  const choice = desktopKeychain({
    available: await safeStorage.isAsyncEncryptionAvailable(),
    platform: process.platform,
    linuxBackend: process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : undefined,
  });
  if (choice.use === 'memory') return new MemorySecretStore(choice.description);
  return KeychainSecretFile.open(
    file,
    choice.description,
    {
      // The same name as the synchronous calls wrote: their ciphertext decrypts with the async API.
      name: 'safeStorage',
      encrypt: async (plain) => (await safeStorage.encryptStringAsync(plain)).toString('base64'),
      decrypt: async (cipherText) => {
        const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(Buffer.from(cipherText, 'base64'));
        return { plain: result, reEncrypt: shouldReEncrypt };
      },
    },
    (message) => log.error(message),
  );
}
