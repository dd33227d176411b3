import type { Contact, Tenant } from './schema';

/**
 * Answers are written once, with placeholders for local details; each council's tenant file fills
 * them. A placeholder whose detail the council has not given falls back to plain words that are
 * still true, never to an invented contact.
 */

function joinOr(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

export function contactPhrase(contact: Contact | undefined, fallback: string): string {
  if (!contact) return fallback;
  const ways: string[] = [];
  if (contact.phone) ways.push(`on ${contact.phone}`);
  if (contact.email) ways.push(`by email at ${contact.email}`);
  if (contact.website) ways.push(`at ${contact.website}`);
  return ways.length > 0 ? joinOr(ways) : fallback;
}

function withLink(name: string, url: string | undefined): string {
  return url ? `${name} (${url})` : name;
}

export function placeholderValues(tenant: Tenant): Record<string, string> {
  const websiteFallback = `through ${tenant.councilName}'s website`;
  return {
    council: tenant.councilName,
    area: tenant.areaName,
    sendiass: tenant.sendiass.name,
    'sendiass.contact': contactPhrase(tenant.sendiass, websiteFallback),
    senTeam: tenant.senTeam?.name ?? `the SEN team at ${tenant.councilName}`,
    'senTeam.contact': contactPhrase(tenant.senTeam, websiteFallback),
    disagreementResolution: tenant.disagreementResolution.name,
    'disagreementResolution.contact': contactPhrase(tenant.disagreementResolution, websiteFallback),
    mediation: tenant.mediation.name,
    'mediation.contact': contactPhrase(tenant.mediation, 'using the details in your decision letter'),
    localOffer: withLink(tenant.localOffer.name, tenant.localOffer.url),
    exclusionInformation: tenant.exclusionInformation,
    complaints: withLink(tenant.complaints.name, tenant.complaints.url),
  };
}

export const PLACEHOLDER_NAMES: readonly string[] = Object.keys(
  placeholderValues({
    id: 'x', councilName: 'x', areaName: 'x', generic: false, sendiass: { name: 'x' },
    disagreementResolution: { name: 'x' }, mediation: { name: 'x' }, localOffer: { name: 'x' },
    exclusionInformation: 'x', complaints: { name: 'x' }, smsNumbers: [], sources: ['x'],
  }),
);

const PLACEHOLDER = /\{\{\s*([a-zA-Z.]+)\s*\}\}/g;

export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

export class UnfilledPlaceholderError extends Error {}

/** Fills every placeholder; one the tenant cannot fill is an error, never shown to a person. */
export function fillPlaceholders(text: string, tenant: Tenant): string {
  const values = placeholderValues(tenant);
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new UnfilledPlaceholderError(`unknown placeholder ${whole}`);
    return value;
  });
}
