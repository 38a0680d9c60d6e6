/** Operations runbooks that are not about one alert (scaling, incident response): always shipped. */
import { scalingView } from '../prepare/runbooks.js';
import type { Manifest } from './types.js';

export const runbookFiles: Manifest = (model) => {
  const view = scalingView(model);
  return [
    { path: 'docs/runbooks/scaling.md', template: 'docs/runbooks/scaling.md.ejs', locals: { view } },
    { path: 'docs/runbooks/incident-response.md', template: 'docs/runbooks/incident-response.md.ejs', locals: { view } },
  ];
};
