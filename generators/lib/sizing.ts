/** CPU and memory per size profile. Reservations are half the limits so one host can burst. */
import type { Weight } from './catalog.js';
import type { Resources } from './model.js';

export type SizeProfile = 'small' | 'medium' | 'large';
export type SizeClass = Weight | 'data' | 'search' | 'tiny';

/** [cpus, memory MiB] limits. */
const TABLE: Readonly<Record<SizeProfile, Readonly<Record<SizeClass, readonly [number, number]>>>> = {
  small: { tiny: [0.25, 128], light: [0.25, 256], standard: [0.5, 512], heavy: [1, 1024], data: [1, 2048], search: [1, 2048] },
  medium: { tiny: [0.25, 256], light: [0.5, 512], standard: [1, 1024], heavy: [2, 2048], data: [2, 4096], search: [2, 4096] },
  large: { tiny: [0.5, 256], light: [1, 1024], standard: [2, 2048], heavy: [4, 4096], data: [4, 8192], search: [4, 8192] },
};

const mem = (mib: number): string => (mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`);
const cpu = (n: number): string => String(n);

export function resourcesFor(profile: SizeProfile, size: SizeClass): Resources {
  const [cpus, memoryMiB] = TABLE[profile][size];
  return {
    limits: { cpus: cpu(cpus), memory: mem(memoryMiB) },
    reservations: { cpus: cpu(cpus / 2), memory: mem(memoryMiB / 2) },
    memoryMiB,
  };
}
