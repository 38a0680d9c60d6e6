/** monitoring files. */
import type { Manifest } from './types.js';

export const monitoringFiles: Manifest = () => [];
