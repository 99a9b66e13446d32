/**
 * The save dialog's title and file filter for a file the services offer to save (chooseSaveFile):
 * a CSV report, or the diagnostics' text file. Follows the suggested file's extension.
 */

export interface SaveDialogText {
  title: string;
  filters: { name: string; extensions: string[] }[];
}

const KINDS: Record<string, SaveDialogText> = {
  csv: { title: 'Save the report', filters: [{ name: 'CSV (Excel)', extensions: ['csv'] }] },
  txt: { title: 'Save the diagnostics', filters: [{ name: 'Text', extensions: ['txt'] }] },
};

/** The dialog for `suggestedName`: by its extension; any other file is offered as it is, with "All files". */
export function saveDialogFor(suggestedName: string): SaveDialogText {
  const ext = /\.([A-Za-z0-9]{1,10})$/.exec(suggestedName)?.[1]?.toLowerCase() ?? '';
  const known = KINDS[ext];
  if (known) return { title: known.title, filters: [...known.filters, { name: 'All files', extensions: ['*'] }] };
  return { title: 'Save the file', filters: [{ name: 'All files', extensions: ['*'] }] };
}
