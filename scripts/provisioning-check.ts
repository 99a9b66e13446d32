import { checkProvisioningFile, formatProvisioningCheck } from '../main/services/provisioningCheck';

/**
 * `npm run provisioning:check -- FILE [FILE…]`: validates provisioning files without starting
 * Frontdesk and prints the problems field by field. Exit code 0 when every file is valid, 1 when
 * one is not, 2 on wrong usage. The packaged app does the same: `Frontdesk --provisioning-check FILE`.
 */
const files = process.argv.slice(2).filter((a) => a !== '--');
if (files.length === 0 || files.some((f) => f === '-h' || f === '--help')) {
  console.error('usage: npm run provisioning:check -- FILE [FILE…]');
  process.exit(2);
}
let exitCode = 0;
for (const file of files) {
  const report = formatProvisioningCheck(file, checkProvisioningFile(file));
  (report.exitCode === 0 ? process.stdout : process.stderr).write(report.text);
  exitCode = Math.max(exitCode, report.exitCode);
}
process.exit(exitCode);
