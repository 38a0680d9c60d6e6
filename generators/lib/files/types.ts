/** A file the generated repo should contain: which template renders it, and how it is managed. */
import type { DeploymentModel } from '../model.js';
import type { FilePolicy } from '../planner.js';

export interface FileSpec {
  /** Output path, relative to the generated repo. */
  readonly path: string;
  /** Template path under templates/. */
  readonly template: string;
  readonly locals?: Readonly<Record<string, unknown>>;
  readonly executable?: boolean;
  readonly policy?: FilePolicy;
}

/** One concern's manifest: decides in TypeScript which files exist for this model. */
export type Manifest = (model: DeploymentModel) => FileSpec[];
