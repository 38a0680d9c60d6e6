/**
 * Test helper: generate a deployment repo into a fresh temp dir through the real pipeline
 * (the bin's fast path: same planner, same transaction as `yo gitmesh-devops`).
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawAnswers } from '../../generators/lib/answers.js';
import { resolveAnswers } from '../../generators/lib/answers.js';
import type { Answers } from '../../generators/lib/options.js';
import type { DeploymentModel } from '../../generators/lib/model.js';
import { prepare } from '../../generators/lib/prepare/index.js';
import { runFast } from '../../bin/fast-run.js';

export function answersFrom(raw: RawAnswers = {}): Answers {
  const resolution = resolveAnswers(raw, { useDefaults: true });
  if (!resolution.answers) throw new Error(`invalid test answers: ${resolution.problems.join('; ')}`);
  return resolution.answers;
}

export function modelFrom(raw: RawAnswers = {}): DeploymentModel {
  return prepare(answersFrom(raw));
}

export interface Generated {
  readonly dir: string;
  readonly answers: Answers;
  readonly model: DeploymentModel;
  readonly read: (path: string) => Promise<string>;
}

/** Generates into `dir` (a new temp dir by default) and returns readers for the result. */
export async function generate(raw: RawAnswers = {}, dir?: string): Promise<Generated> {
  const target = dir ?? (await mkdtemp(join(tmpdir(), 'gitmesh-gen-')));
  const answers = answersFrom(raw);
  const status = await runFast(target, answers, { allowDirty: true }, () => undefined);
  if (status !== 0) throw new Error(`generation exited ${status}`);
  return { dir: target, answers, model: prepare(answers), read: (path) => readFile(join(target, path), 'utf8') };
}
