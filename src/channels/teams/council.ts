import type { Activity } from 'botbuilder';
import { TEAMS_CHANNEL_ID } from '../../bot/renderReply';

/**
 * Which council an activity on /api/messages (Azure Bot Service: Teams, the Emulator, Azure's own
 * Web Chat) belongs to. The bot reads the council from `channelData.tenant` as a council id, the
 * way the Direct Line and SMS channels hand it over; on /api/messages that field is the caller's,
 * so it is always replaced by what this decides:
 *
 * - a Teams activity (`channelId` "msteams") whose `channelData.tenant.id`, the Microsoft Entra
 *   tenant Teams puts there for the signed-in organisation, is listed in a council's tenant file
 *   (`teamsEntraTenantIds`) belongs to that council;
 * - anything else (another organisation, another channel, a council id a client wrote into
 *   channelData) gets DEFAULT_TENANT. Choosing a council by name is for web chat pages only, and
 *   there the server puts it in a signed token, never the client in channelData.
 */
export type CouncilResolver = (activity: Partial<Activity>) => string;

/** The council ids by Microsoft Entra tenant id (lower case), from the tenant files. */
export function teamsCouncilDirectory(tenants: Iterable<{ id: string; teamsEntraTenantIds?: readonly string[] }>): Map<string, string> {
  const directory = new Map<string, string>();
  for (const tenant of tenants) {
    // loadKnowledge refuses one Entra tenant in two files; the first keeps it should that change.
    for (const entraId of tenant.teamsEntraTenantIds ?? []) if (!directory.has(entraId.toLowerCase())) directory.set(entraId.toLowerCase(), tenant.id);
  }
  return directory;
}

/** The Microsoft Entra tenant id Teams sent with the activity, if it is one. */
export function entraTenantOf(activity: Partial<Activity>): string | undefined {
  if (activity.channelId !== TEAMS_CHANNEL_ID) return undefined;
  const tenant = (activity.channelData as { tenant?: unknown } | undefined)?.tenant;
  const id = tenant && typeof tenant === 'object' ? (tenant as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id.trim().toLowerCase() : undefined;
}

export function councilResolver(directory: ReadonlyMap<string, string>, defaultTenant: string): CouncilResolver {
  return (activity) => {
    const entraId = entraTenantOf(activity);
    return (entraId && directory.get(entraId)) || defaultTenant;
  };
}

/**
 * The activity as the bot should see it: `channelData.tenant` is the council id chosen above.
 * Teams' own `{ id }` is replaced (the Entra tenant id is still in `conversation.tenantId`, and
 * nothing here reads Teams' object after this point).
 */
export function withCouncil<T extends Partial<Activity>>(activity: T, councilOf: CouncilResolver): T {
  const channelData = activity.channelData && typeof activity.channelData === 'object' && !Array.isArray(activity.channelData)
    ? (activity.channelData as Record<string, unknown>)
    : {};
  activity.channelData = { ...channelData, tenant: councilOf(activity) };
  return activity;
}
