/** ci files. */
import type { Manifest } from './types.js';

export const ciFiles: Manifest = () => [];
