import { CallerIdConstants, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions } from 'botbuilder';
import { AuthenticationConstants, type ServiceClientCredentialsFactory } from 'botframework-connector';

import type { Config, MicrosoftAppType } from '../../config';

/**
 * The bot's Bot Framework identity, from the settings botbuilder itself uses: `MicrosoftAppId`,
 * `MicrosoftAppPassword`, `MicrosoftAppType` and `MicrosoftAppTenantId`. Without an App ID
 * authentication is off (botbuilder's behaviour for the Bot Framework Emulator); the router then
 * accepts requests from this machine only, and production refuses to start (see config.ts).
 */
export interface BotServiceCredentials {
  appId?: string;
  /** Never logged. */
  appPassword?: string;
  appType: MicrosoftAppType;
  tenantId?: string;
}

export function botServiceCredentialsFrom(config: Config): BotServiceCredentials {
  return {
    appId: config.MicrosoftAppId,
    appPassword: config.MicrosoftAppPassword,
    appType: config.MicrosoftAppType ?? 'MultiTenant',
    tenantId: config.MicrosoftAppTenantId,
  };
}

export function authenticationEnabled(credentials: BotServiceCredentials): boolean {
  return Boolean(credentials.appId?.trim());
}

/**
 * Where tokens come from and go. The defaults are the public Azure cloud's (botbuilder's own
 * constants); tests point the OpenID metadata at a local server with a key of their own, so real
 * JWT validation runs without the network.
 */
export interface BotServiceEndpoints {
  /** OpenID configuration whose `jwks_uri` lists the keys that sign channels' tokens. */
  toBotFromChannelOpenIdMetadataUrl: string;
  /** The same for tokens from the Bot Framework Emulator (Microsoft Entra ID v2). */
  toBotFromEmulatorOpenIdMetadataUrl: string;
  /** The `iss` of channels' tokens. */
  toBotFromChannelTokenIssuer: string;
  /** Where the bot gets its own tokens for replying (Microsoft Entra ID). */
  toChannelFromBotLoginUrl: string;
  toChannelFromBotOAuthScope: string;
  oAuthUrl: string;
  callerId: string;
}

export const PUBLIC_CLOUD: BotServiceEndpoints = {
  toBotFromChannelOpenIdMetadataUrl: AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
  toBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
  toBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
  toChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
  toChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
  oAuthUrl: AuthenticationConstants.OAuthUrl,
  callerId: CallerIdConstants.PublicAzureChannel,
};

export interface BotServiceAuthOptions {
  /** Replaces some of the public cloud's endpoints (tests); the rest keep their defaults. */
  endpoints?: Partial<BotServiceEndpoints>;
  /** Replaces the credentials botbuilder builds from the settings (tests: no token requests). */
  credentialsFactory?: ServiceClientCredentialsFactory;
}

/**
 * botbuilder's ConfigurationBotFrameworkAuthentication over the settings: it checks every inbound
 * JWT (issuer, signature against the published keys, audience = the App ID, the `serviceurl`
 * claim = the activity's serviceUrl, expiry) and signs the bot's replies with its own token.
 */
export function createBotFrameworkAuthentication(
  credentials: BotServiceCredentials,
  options: BotServiceAuthOptions = {},
): ConfigurationBotFrameworkAuthentication {
  const settings: ConfigurationBotFrameworkAuthenticationOptions & Record<string, string | boolean | undefined> = {
    MicrosoftAppId: credentials.appId ?? '',
    MicrosoftAppPassword: credentials.appPassword ?? '',
    MicrosoftAppType: credentials.appType,
    // MultiTenant bots get their tokens from the botframework.com tenant, whatever is set here.
    MicrosoftAppTenantId: credentials.appType === 'MultiTenant' ? '' : (credentials.tenantId ?? ''),
  };
  if (options.endpoints && Object.keys(options.endpoints).length > 0) {
    // Any of these set makes botbuilder take all of them as given: fill in the rest.
    const endpoints = { ...PUBLIC_CLOUD, ...options.endpoints };
    Object.assign(settings, {
      ValidateAuthority: true,
      ToBotFromChannelOpenIdMetadataUrl: endpoints.toBotFromChannelOpenIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: endpoints.toBotFromEmulatorOpenIdMetadataUrl,
      ToBotFromChannelTokenIssuer: endpoints.toBotFromChannelTokenIssuer,
      ToChannelFromBotLoginUrl: endpoints.toChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: endpoints.toChannelFromBotOAuthScope,
      OAuthUrl: endpoints.oAuthUrl,
      CallerId: endpoints.callerId,
    });
  }
  return new ConfigurationBotFrameworkAuthentication(settings, options.credentialsFactory);
}
