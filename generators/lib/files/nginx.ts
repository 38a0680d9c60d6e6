/** nginx files. */
import type { Manifest } from './types.js';

export const nginxFiles: Manifest = () => [];
