// electron-builder's msiProjectCreated hook (electron-builder.yml): click-to-call for the MSI, as
// build/installer.nsh does it for NSIS. electron-builder's MSI template writes no registry keys, so
// this adds one component to the project before WiX compiles it:
//  - a ProgID per scheme (Software\Classes\Frontdesk.Url.<scheme>) that starts
//    `Frontdesk.exe -- "%1"` (the "--" keeps a link from ever being read as a command-line switch);
//  - Default Programs capabilities (Software\Frontdesk\Capabilities\URLAssociations and
//    Software\RegisteredApplications), so Settings > Apps > Default apps offers Frontdesk for them,
//    and a default-associations policy can name the ProgIDs.
// In HKLM: the MSI installs per machine. It never writes Software\Classes\<scheme> itself: the
// machine-wide install must not take tel: from a softphone someone already uses; Frontdesk makes
// itself the handler for its user at first start where no program handles the scheme. Windows
// Installer removes the values again on uninstall, and keeps them through an upgrade.
import { readFile, writeFile } from 'node:fs/promises';

/** The schemes and their names; tests/unit/packaging.test.ts checks them against electron-builder.yml. */
export const schemes = [
  ['tel', 'Telephone number'],
  ['sip', 'SIP address'],
  ['callto', 'Callto link'],
];

/** Fixed: Windows Installer knows the component by it across versions (a registry key path gets no generated GUID). */
const componentGuid = '{2C947621-66A5-4FAC-B7CC-5F908547A265}';
const componentId = 'FrontdeskClickToCall';

const xml = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The component, its values under HKLM; `[#mainExecutable]` is WiX's path of the installed Frontdesk.exe. */
export function clickToCallComponent(indent = '      ') {
  const value = (key, name, data, keyPath = false) =>
    `${indent}  <RegistryValue Root="HKLM" Key="${xml(key)}"${name === null ? '' : ` Name="${xml(name)}"`} Type="string" Value="${xml(data)}"${keyPath ? ' KeyPath="yes"' : ''}/>`;
  const exe = '[#mainExecutable]';
  const lines = [
    `${indent}<Component Id="${componentId}" Guid="${componentGuid}">`,
    value('Software\\Frontdesk\\Capabilities', 'ApplicationName', 'Frontdesk', true),
    value('Software\\Frontdesk\\Capabilities', 'ApplicationDescription', 'Softphone for receptionists and sales agents'),
    value('Software\\Frontdesk\\Capabilities', 'ApplicationIcon', `${exe},0`),
  ];
  for (const [scheme, description] of schemes) {
    const progId = `Software\\Classes\\Frontdesk.Url.${scheme}`;
    lines.push(
      value(progId, null, description),
      value(progId, 'URL Protocol', ''),
      value(`${progId}\\DefaultIcon`, null, `${exe},0`),
      value(`${progId}\\shell\\open\\command`, null, `"${exe}" -- "%1"`),
      value('Software\\Frontdesk\\Capabilities\\URLAssociations', scheme, `Frontdesk.Url.${scheme}`),
    );
  }
  lines.push(value('Software\\RegisteredApplications', 'Frontdesk', 'Software\\Frontdesk\\Capabilities'), `${indent}</Component>`);
  return lines.join('\n');
}

/** The project with the component in the product's component group (once: a project that has it is returned as it is). */
export function withClickToCall(wxs) {
  if (wxs.includes(`Id="${componentId}"`)) return wxs;
  const group = /(<ComponentGroup Id="ProductComponents"[^>]*>)([\s\S]*?)(\n?)(\s*)<\/ComponentGroup>/.exec(wxs);
  if (!group) throw new Error('msiProtocols: the MSI project has no ProductComponents component group (did electron-builder change its template?)');
  const at = group.index + group[0].lastIndexOf('</ComponentGroup>');
  const indent = `${group[4]}  `;
  return `${wxs.slice(0, at).replace(/\s*$/, '')}\n${clickToCallComponent(indent)}\n${group[4]}${wxs.slice(at)}`;
}

export async function msiProjectCreated(projectFile) {
  await writeFile(projectFile, withClickToCall(await readFile(projectFile, 'utf8')));
}

export default msiProjectCreated;
