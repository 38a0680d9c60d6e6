/** Conversions from compose notation to Kubernetes notation (durations, CPU, memory, interpolation, images). */
import type { Healthcheck, Resources } from '../../model.js';

/** "30s", "1m30s", "2h" → seconds. */
export function seconds(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(h|m|s)/g)) total += Number(n) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1);
  return total;
}

/** Compose `cpus` ("0.25") → Kubernetes millicores ("250m"). */
export const k8sCpu = (cpus: string): string => `${Math.round(Number(cpus) * 1000)}m`;
/** Compose memory ("512M", "2G"; binary units) → Kubernetes quantity ("512Mi", "2Gi"). */
export function k8sMemory(memory: string): string {
  const match = /^(\d+)([MG])$/.exec(memory);
  if (!match) throw new Error(`unexpected compose memory ${memory}`);
  return `${match[1]}${match[2]}i`;
}

export function k8sResources(resources: Resources, requestScale = 1) {
  const scaleCpu = (cpus: string): string => k8sCpu(String(Number(cpus) * requestScale));
  const scaleMem = (memory: string): string => (requestScale === 1 ? k8sMemory(memory) : `${Math.round(mib(memory) * requestScale)}Mi`);
  return {
    requests: { cpu: scaleCpu(resources.reservations.cpus), memory: scaleMem(resources.reservations.memory) },
    limits: { cpu: k8sCpu(resources.limits.cpus), memory: k8sMemory(resources.limits.memory) },
  };
}

const mib = (memory: string): number => {
  const match = /^(\d+)([MG])$/.exec(memory);
  return match ? Number(match[1]) * (match[2] === 'G' ? 1024 : 1) : 0;
};

/** One `${NAME...}` compose interpolation: its name, operator and default text. */
export interface Interpolation { readonly name: string; readonly op: string; readonly rest: string }

/** Replaces compose `${VAR}`, `${VAR:-default}` and `${VAR:?message}` with Kubernetes `$(VAR)`, collecting the variables. */
export function translateInterpolation(value: string, found: Map<string, Interpolation>): string {
  let out = '';
  for (let i = 0; i < value.length; ) {
    if (value.startsWith('$$', i)) {
      out += '$$';
      i += 2;
      continue;
    }
    if (!value.startsWith('${', i)) {
      out += value[i];
      i += 1;
      continue;
    }
    let depth = 0;
    let end = i;
    for (; end < value.length; end += 1) {
      if (value.startsWith('${', end)) depth += 1;
      if (value[end] === '}' && --depth === 0) break;
    }
    const body = value.slice(i + 2, end);
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?([\s\S]*)$/.exec(body);
    if (!match) throw new Error(`cannot translate ${value}`);
    const [, name, op = '', rest = ''] = match;
    if (!found.has(name!)) found.set(name!, { name: name!, op, rest });
    out += `$(${name})`;
    i = end + 1;
  }
  return out;
}

/** Exec-form command of a compose healthcheck test. */
export function execCommand(check: Healthcheck): string[] {
  const [form, ...rest] = check.test;
  return form === 'CMD-SHELL' ? ['/bin/sh', '-c', rest.join(' ')] : rest;
}

/** Compose tmpfs / shm size ("64m", "1g") → an emptyDir sizeLimit ("64Mi", "1Gi"). */
export function sizeLimit(size: string | undefined): { sizeLimit?: string } {
  const match = size ? /(\d+)([mg])/.exec(size) : null;
  return match ? { sizeLimit: `${match[1]}${match[2] === 'g' ? 'Gi' : 'Mi'}` } : {};
}

/** Image reference: a built image loses the compose `${GITMESH_IMAGE_TAG}` (the overlays tag it); a third-party image keeps its pin. */
export function k8sImage(image: string): { readonly image: string; readonly built?: string } {
  const at = image.indexOf(':${');
  return at < 0 ? { image } : { image: image.slice(0, at), built: image.slice(0, at) };
}
