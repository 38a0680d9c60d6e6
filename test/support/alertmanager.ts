/**
 * Debian's Alertmanager and amtool (0.25) predate the webhook receiver's `url_file` (the pinned image reads
 * it: prometheus/alertmanager config/notifiers.go, WebhookConfig.URLFile). This stand-in copy swaps each
 * webhook `url_file` for a literal `url` so the local tools can load the rest of the generated config
 * unchanged; the generated repo's `make monitoring-check` runs the pinned amtool on the real file.
 */
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { parseDocument } from 'yaml';

type Doc = Record<string, any>;

/** Writes the stand-in copy next to `file` and returns its path; `urlFor` maps a secret path to a URL. */
export async function debianAlertmanagerCopy(text: string, out: string, urlFor: (secretPath: string) => string = () => 'https://heartbeat.invalid/'): Promise<string> {
  const doc = parseDocument(text);
  const config = doc.toJS() as Doc;
  for (const receiver of config.receivers as Doc[]) {
    for (const hook of (receiver.webhook_configs ?? []) as Doc[]) {
      if (hook.url_file) {
        hook.url = urlFor(hook.url_file as string);
        delete hook.url_file;
      }
    }
  }
  await writeFile(out, JSON.stringify(config));
  return out;
}

/** `amtool config routes test`: the receivers an alert with these labels reaches, in order. */
export async function amtoolRoutes(file: string, labels: Record<string, string>): Promise<string[]> {
  const args = ['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
  const r = await execa('amtool', args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`amtool ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim().split(',').map((s) => s.trim()).filter(Boolean);
}
