/**
 * Building blocks of the monitoring stack's compose services: every one is read-only, size-limited,
 * on the monitoring network and health-checked with a program its image really has.
 */
import type { ComposeService, Healthcheck, Mount } from '../model.js';
import { resourcesFor, type SizeClass, type SizeProfile } from '../sizing.js';
import { APP_GID } from '../versions.js';
import { infraCheck } from './health.js';

export const bind = (source: string, target: string): Mount => ({ type: 'bind', source, target, readOnly: true });
export const volume = (source: string, target: string, readOnly = false): Mount => ({ type: 'volume', source, target, readOnly });

/** busybox `wget` (prom/*, quay.io/prometheuscommunity/*, alpine-based images). */
export const wgetCheck = (url: string, proves: string, startPeriod = '30s', wget = 'wget'): Healthcheck => infraCheck(['CMD', wget, '-q', '-O', '/dev/null', url], proves, startPeriod);

export type Base = Omit<ComposeService, 'file' | 'tier' | 'profiles' | 'ports' | 'devPorts' | 'replicas' | 'restart' | 'stopGracePeriod' | 'ulimits' | 'tmpfs' | 'capAdd' | 'readOnly' | 'dependsOn' | 'networks' | 'resources' | 'environment' | 'secrets' | 'mounts'> &
  Partial<ComposeService>;

export function service(profile: SizeProfile, size: SizeClass, svc: Base): ComposeService {
  return {
    file: 'monitoring',
    tier: 'monitoring',
    profiles: [],
    ports: [],
    devPorts: [],
    replicas: 1,
    restart: 'unless-stopped',
    stopGracePeriod: '30s',
    ulimits: [],
    tmpfs: ['/tmp:size=16m'],
    capAdd: [],
    readOnly: true,
    dependsOn: [],
    networks: ['monitoring'],
    environment: [],
    secrets: [],
    mounts: [],
    resources: resourcesFor(profile, size),
    ...svc,
  };
}

export const secretsGroup = String(APP_GID);
