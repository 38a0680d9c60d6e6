/**
 * Releases and promotion (issue 15): what a deploy ships and where it may go, decided here so the
 * workflows and the host scripts only print it.
 *
 * - The images lock: CI builds each image once, pushes it, and records `<name> <repository>@sha256:<digest>`
 *   per built image in `images.lock`. The host runs exactly those digests; the services that run each
 *   image are fixed here (compose services whose image is `<repository>:${GITMESH_IMAGE_TAG}`).
 * - Promotion: which environment a push to `main` or a release tag reaches, and which environment must
 *   have succeeded first. Production never runs a digest that staging did not run (when there is a
 *   staging), and only for a release tag.
 */
import type { DeploymentModel } from '../model.js';
import { productionComposeFiles } from './compose.js';

export interface LockedImage {
  /** Image name in the lock (the built image's name). */
  readonly name: string;
  readonly repository: string;
  /** Compose services (host compose files) that run it: the host pins each to the locked digest. */
  readonly services: readonly string[];
}

/** A bind mount of a host compose service whose source is a relative path (a release's file, or the operator's certs/). */
export interface ReleaseMount {
  readonly service: string;
  /** `./config/...` as compose.yaml writes it. */
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface PromotionStep {
  readonly environment: 'staging' | 'production';
  /** `main`: every push to main and every release tag; `release`: release tags only. */
  readonly trigger: 'main' | 'release';
  /** The environment whose deploy of the same digests must have succeeded first. */
  readonly after?: 'staging';
  /** Required reviewers on the GitHub environment gate it (production). */
  readonly reviewed: boolean;
}

export interface ReleaseView {
  readonly lockFile: 'images.lock';
  readonly images: readonly LockedImage[];
  /**
   * Bind mounts the host re-points at content-addressed copies (store/<sha256>/): a service is recreated only
   * when the content it mounts changed, not because each release has its own directory.
   */
  readonly mounts: readonly ReleaseMount[];
  /** Releases kept on a host (the current and the previous one are never removed). */
  readonly keep: number;
  readonly promotion: readonly PromotionStep[];
  /** Third-party images the hosts run (pinned in the compose files): the nightly rescan covers them with the built ones. */
  readonly thirdPartyImages: readonly string[];
}

const LOCK_FILE = 'images.lock';
const KEEP_RELEASES = 5;

export function promotionSteps(environments: readonly string[]): PromotionStep[] {
  const staging = environments.includes('staging');
  return [
    ...(staging ? [{ environment: 'staging' as const, trigger: 'main' as const, reviewed: false }] : []),
    ...(environments.includes('production') ? [{ environment: 'production' as const, trigger: 'release' as const, ...(staging ? { after: 'staging' as const } : {}), reviewed: true }] : []),
  ];
}

export function releaseView(model: DeploymentModel): ReleaseView {
  const hostFiles = productionComposeFiles(model);
  const onHost = model.composeServices.filter((svc) => hostFiles.includes(svc.file === 'main' ? 'compose.yaml' : `compose.${svc.file}.yaml`));
  const images = model.builtImages.map((img) => ({
    name: img.name,
    repository: img.repository,
    services: onHost.filter((svc) => svc.image.startsWith(`${img.repository}:`)).map((svc) => svc.name),
  }));
  const built = model.builtImages.map((img) => `${img.repository}:`);
  const thirdPartyImages = [...new Set(onHost.map((svc) => svc.image).filter((image) => !image.includes('${') && !built.some((prefix) => image.startsWith(prefix))))].sort();
  const mounts = onHost.flatMap((svc) => svc.mounts.filter((m) => m.type === 'bind' && m.source.startsWith('./')).map((m) => ({ service: svc.name, source: m.source, target: m.target, readOnly: m.readOnly })));
  return { lockFile: LOCK_FILE, images, mounts, keep: KEEP_RELEASES, promotion: promotionSteps(model.settings.environments), thirdPartyImages };
}
