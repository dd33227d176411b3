import { ZipFile } from 'yazl';
import { colorIcon, outlineIcon } from './icons';
import { buildManifest, COLOR_ICON_FILE, OUTLINE_ICON_FILE, type TeamsAppSettings } from './manifest';

export const MANIFEST_FILE = 'manifest.json';

export interface TeamsAppPackage {
  manifest: Record<string, unknown>;
  /** The files at the zip's root, by name. */
  files: Map<string, Buffer>;
  zip: Buffer;
}

/** Fixed, so the same settings always give the same bytes. */
const MTIME = new Date(Date.UTC(2024, 0, 1, 0, 0, 0));

/**
 * The Teams app package: manifest.json, color.png and outline.png at the root of a zip (Teams
 * refuses folders). Upload it in Teams (Apps → Manage your apps → Upload an app) or in the Teams
 * admin centre.
 */
export async function buildTeamsPackage(settings: TeamsAppSettings): Promise<TeamsAppPackage> {
  const manifest = buildManifest(settings);
  const files = new Map<string, Buffer>([
    [MANIFEST_FILE, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8')],
    [COLOR_ICON_FILE, colorIcon(settings.accentColor)],
    [OUTLINE_ICON_FILE, outlineIcon()],
  ]);
  const zipFile = new ZipFile();
  for (const [name, content] of files) zipFile.addBuffer(content, name, { mtime: MTIME, mode: 0o100644, compress: true });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    zipFile.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zipFile.outputStream.on('error', reject);
    zipFile.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
  zipFile.end();
  return { manifest, files, zip: await done };
}
