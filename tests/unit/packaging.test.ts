import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PHONE_LINK_SCHEMES } from '../../common/links';

/**
 * electron-builder.yml, checked without building: against electron-builder's own validator (the
 * schema it validates with at `npm run dist`), and for what Frontdesk needs of it (protocols,
 * installers, entitlements, only the main process's run-time modules shipped).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const config = parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

describe('electron-builder.yml', () => {
  it("passes electron-builder's own configuration validator", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
      validateConfiguration: (c: unknown, log: { isEnabled: boolean; add: () => void }) => Promise<void>;
    };
    await expect(validateConfiguration(config, { isEnabled: false, add: () => undefined })).resolves.toBeUndefined();
    // …and the validator does refuse a wrong option (so the line above means something).
    await expect(validateConfiguration({ ...config, nsis: { ...config.nsis, oneClik: false } }, { isEnabled: false, add: () => undefined })).rejects.toThrow(/configuration\.nsis/);
  }, 120_000); // app-builder-lib is large to load on a busy machine

  it('declares tel:, sip: and callto: for macOS and Linux, and the Windows installer registers them', () => {
    const schemes = (config.protocols as { schemes: string[] }[]).flatMap((p) => p.schemes);
    expect(schemes.sort()).toEqual([...PHONE_LINK_SCHEMES].sort());
    expect(config.linux.mimeTypes).toEqual(PHONE_LINK_SCHEMES.map((s) => `x-scheme-handler/${s}`));
    const nsh = readFileSync(path.join(root, config.nsis.include as string), 'utf8');
    for (const s of PHONE_LINK_SCHEMES) {
      expect(nsh).toContain(`frontdeskRegisterScheme "${s}"`);
      expect(nsh).toContain(`frontdeskUnregisterScheme "${s}"`);
    }
    expect(nsh).toContain('Software\\RegisteredApplications');
    expect(nsh).toContain(`-- "%1"`);
  });

  it('the MSI registers click-to-call too: a ProgID per scheme and the Default Programs capabilities, in the project electron-builder makes', async () => {
    // electron-builder's own MSI template, rendered as its MsiTarget does, with a main executable.
    const builderDir = path.dirname(require.resolve('app-builder-lib/package.json'));
    const ejs = createRequire(path.join(builderDir, 'package.json'))('ejs') as { compile: (t: string) => (o: object) => string };
    const template = readFileSync(path.join(builderDir, 'templates/msi/template.xml'), 'utf8')
      .replace(/{{/g, '<%')
      .replace(/}}/g, '%>')
      .replace(/\${([^}]+)}/g, '<%=$1%>');
    const wxs = ejs.compile(template)({
      productName: 'Frontdesk', upgradeCode: '{00000000-0000-0000-0000-000000000001}', version: '1.2.3.0', manufacturer: 'Frontdesk', compressionLevel: 'high',
      iconPath: null, iconId: 'icon', isRunAfterFinish: false, isAssisted: false, isPerMachine: true, programFilesId: 'ProgramFiles64Folder', menuCategory: null,
      installationDirectoryWixName: 'Frontdesk', isCreateDesktopShortcut: false, isCreateStartMenuShortcut: false, dirs: '',
      files: '<Component>\n        <File Name="Frontdesk.exe" Source="$(var.appDir)\\Frontdesk.exe" ReadOnly="yes" KeyPath="yes" Id="mainExecutable"/>\n      </Component>',
    });
    expect(config.msiProjectCreated).toBe('./build/msiProtocols.mjs');
    const hook = await import('../../build/msiProtocols.mjs');
    expect(hook.schemes).toEqual((config.protocols as { name: string; schemes: string[] }[]).map((p) => [p.schemes[0], p.name]));
    const made = hook.withClickToCall(wxs);
    expect(hook.withClickToCall(made)).toBe(made);
    const { DOMParser } = await import('@xmldom/xmldom');
    const errors: string[] = [];
    const doc = new DOMParser({ errorHandler: { error: (m: string) => void errors.push(m), fatalError: (m: string) => void errors.push(m) } }).parseFromString(made, 'text/xml');
    expect(errors).toEqual([]);
    type Node = { getAttribute(name: string): string | null; getElementsByTagName(tag: string): { length: number; item(i: number): Node } };
    const elements = (parent: Node, tag: string): Node[] => {
      const list = parent.getElementsByTagName(tag);
      return Array.from({ length: list.length }, (_, i) => list.item(i));
    };
    const group = elements(doc as unknown as Node, 'ComponentGroup').find((g) => g.getAttribute('Id') === 'ProductComponents')!;
    const component = elements(group, 'Component').find((c) => c.getAttribute('Id') === 'FrontdeskClickToCall')!;
    expect(component.getAttribute('Guid')).toMatch(/^\{[0-9A-F-]{36}\}$/);
    const values = elements(component, 'RegistryValue').map((v) => ({
      root: v.getAttribute('Root'), key: v.getAttribute('Key'), name: v.getAttribute('Name'), value: v.getAttribute('Value'), keyPath: v.getAttribute('KeyPath'),
    }));
    expect(values.every((v) => v.root === 'HKLM')).toBe(true);
    expect(values.filter((v) => v.keyPath === 'yes')).toHaveLength(1);
    const at = (key: string, name: string | null = null) => values.find((v) => v.key === key && (v.name || null) === name)?.value;
    for (const scheme of PHONE_LINK_SCHEMES) {
      expect(at(`Software\\Classes\\Frontdesk.Url.${scheme}\\shell\\open\\command`)).toBe('"[#mainExecutable]" -- "%1"');
      expect(at(`Software\\Classes\\Frontdesk.Url.${scheme}`, 'URL Protocol')).toBe('');
      expect(at('Software\\Frontdesk\\Capabilities\\URLAssociations', scheme)).toBe(`Frontdesk.Url.${scheme}`);
      // never the scheme's own key: a machine-wide install does not take tel: from another softphone
      expect(values.some((v) => v.key!.toLowerCase().startsWith(`software\\classes\\${scheme}`))).toBe(false);
    }
    expect(at('Software\\RegisteredApplications', 'Frontdesk')).toBe('Software\\Frontdesk\\Capabilities');
    // the files are still there, and the component is in the product's feature through its group
    expect(made).toContain('Id="mainExecutable"');
    expect(() => hook.withClickToCall('<Wix/>')).toThrow(/ProductComponents/);
  });

  it('builds NSIS (per-user or per-machine, the person chooses) and a per-machine MSI, dmg, AppImage and deb', () => {
    expect(config.win.target.map((t: { target: string }) => t.target)).toEqual(['nsis', 'msi']);
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: false, allowElevation: true });
    expect(config.msi).toMatchObject({ perMachine: true });
    expect(config.mac.target).toEqual(['dmg', 'zip']);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
  });

  it('signs for macOS with the hardened runtime, the microphone entitlement and its usage text, nothing more', () => {
    expect(config.mac).toMatchObject({ hardenedRuntime: true, entitlements: 'build/entitlements.mac.plist' });
    expect(config.mac.extendInfo.NSMicrophoneUsageDescription).toMatch(/microphone/);
    const plist = readFileSync(path.join(root, config.mac.entitlements as string), 'utf8');
    const granted = [...plist.matchAll(/<key>([^<]+)<\/key>\s*<true\/>/g)].map((m) => m[1]);
    expect(granted.sort()).toEqual(['com.apple.security.cs.allow-jit', 'com.apple.security.device.audio-input']);
  });

  it('ships as dependencies only what the main process loads at run time; the rest is inlined by the build', () => {
    const build = readFileSync(path.join(root, 'scripts/build.ts'), 'utf8');
    const external = JSON.parse(/external: (\[[^\]]*\])/.exec(build)![1]!.replace(/'/g, '"')) as string[];
    const shipped = external.filter((m) => m !== 'electron' && !m.includes('/*'));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(shipped.sort());
    expect(pkg.devDependencies.electron).toBeDefined();
  });

  it('has the icons it names, and a tray icon for every state', async () => {
    for (const icon of [config.win.icon, config.mac.icon, config.linux.icon]) expect(existsSync(path.join(root, icon as string))).toBe(true);
    const { TRAY_ICON_FILES } = await import('../../main/shell/tray');
    for (const name of TRAY_ICON_FILES) {
      for (const file of [`${name}.png`, `${name}@2x.png`]) {
        const png = readFileSync(path.join(root, 'build/tray', file));
        expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      }
    }
  });
});
