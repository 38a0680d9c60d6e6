/** backup files. */
import type { Manifest } from './types.js';

export const backupFiles: Manifest = () => [];
