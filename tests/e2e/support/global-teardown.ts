import { stopLab } from '../../../scripts/lab/lab';

export default async function globalTeardown() {
  await stopLab();
}
