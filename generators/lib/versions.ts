/**
 * Every third-party image the generated repo uses, pinned to an exact version in one place.
 * Dependabot in the generated repo proposes bumps; bump here to change what new repos get.
 */
export const IMAGES = {
  node: 'node:20.19.5-alpine3.22',
  python: 'python:3.11.13-slim-bookworm',
  nginxUnprivileged: 'nginxinc/nginx-unprivileged:1.28.0-alpine3.21',
  postgres: 'postgres:15.14-alpine3.22',
  redis: 'redis:7.4.6-alpine3.21',
  opensearch: 'opensearchproject/opensearch:3.4.0',
  elasticmq: 'softwaremill/elasticmq-native:1.3.9',
  temporal: 'temporalio/auto-setup:1.27.2',
  kafka: 'apache/kafka:3.9.1',
  certbot: 'certbot/certbot:v4.1.1',
} as const;

/** PostgreSQL major version: the backup image's client tools must match it. */
export const POSTGRES_MAJOR = 15;

/** pnpm as pinned by GitMesh CE's lockfiles (lockfileVersion 6 → pnpm 8). */
export const PNPM_VERSION = '8.15.9';

/** Fixed UID/GID of the unprivileged user in every image we build. */
export const APP_UID = 10001;
export const APP_GID = 10001;
