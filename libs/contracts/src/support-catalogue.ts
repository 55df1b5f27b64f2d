import type { Static } from '@sinclair/typebox';
import { StringEnum } from './string-enum';

/**
 * P6: what technical support handles, from the rules' "Issues to be solved". Six categories, each
 * with the cases it covers and the cases it does not; an out-of-scope closure names one of the
 * latter and the kind of third party to turn to. Codes are stable API values; texts are for people.
 */
export const ThirdPartyKinds = [
  'hosting_provider',
  'service_provider',
  'third_party_software_developer',
  'third_party_content_developer',
  'hardware_or_os_vendor',
  'network_or_proxy_administrator',
  'security_software_vendor',
] as const;
export const ThirdPartyKind = StringEnum(ThirdPartyKinds, { description: 'P6: the kind of third party an out-of-scope request is referred to' });
export type ThirdPartyKind = Static<typeof ThirdPartyKind>;

export interface CatalogueCase<Code extends string = string> {
  code: Code;
  text: string;
}

export interface OutOfScopeCase<Code extends string = string> extends CatalogueCase<Code> {
  /** Who to turn to instead, most likely first. */
  thirdParties: readonly ThirdPartyKind[];
}

export interface SupportCategory {
  code: string;
  title: string;
  inScope: readonly CatalogueCase[];
  outOfScope: readonly OutOfScopeCase[];
}

export const SUPPORT_CATEGORIES = [
  {
    code: 'installation_setup',
    title: 'Product installation and setup',
    inScope: [
      { code: 'installation_setup_use_help', text: 'Help with Product installation, setup and use, within the scope of the user manual' },
      { code: 'typical_installation_problems', text: 'Help with typical problems faced when installing, setting up or using the Product' },
      { code: 'software_selection_help', text: 'General help with software selection' },
    ],
    outOfScope: [
      { code: 'product_wont_install', text: "Product won't install", thirdParties: ['hardware_or_os_vendor', 'third_party_software_developer'] },
      { code: 'third_party_software_fails', text: "Third-party software on the client's computer won't work", thirdParties: ['third_party_software_developer'] },
      { code: 'software_diagnostics_fails', text: 'Software diagnostics fails', thirdParties: ['third_party_software_developer', 'hardware_or_os_vendor'] },
    ],
  },
  {
    code: 'efficiency',
    title: 'Improving efficiency',
    inScope: [
      { code: 'performance_software_selection', text: 'General assistance with software selection to help the project perform better' },
      { code: 'setup_recommendations', text: 'Product setup recommendations' },
      { code: 'caching_recommendations', text: 'Recommendations on built-in caching and other functionality to reduce project load' },
    ],
    outOfScope: [
      { code: 'user_machines_setup', text: "Software won't set up properly on user computers and servers", thirdParties: ['hosting_provider', 'hardware_or_os_vendor'] },
      { code: 'client_server_diagnostics', text: "Diagnostics and load testing on client's servers won't work", thirdParties: ['hosting_provider'] },
      { code: 'component_optimisation', text: "Software components or modules won't optimize", thirdParties: ['third_party_software_developer'] },
      { code: 'malware_removal', text: "Malware removal from client's device won't work", thirdParties: ['security_software_vendor'] },
    ],
  },
  {
    code: 'software_updates',
    title: 'Software update issues',
    inScope: [{ code: 'bad_update_installation', text: 'Finding and fixing problems caused by incorrectly installed updates' }],
    outOfScope: [
      {
        code: 'server_or_proxy_connectivity',
        text: "Server connectivity issues, problems connecting via a proxy server, except for the Product's internal settings",
        thirdParties: ['network_or_proxy_administrator', 'service_provider'],
      },
    ],
  },
  {
    code: 'software_errors',
    title: 'Software errors',
    inScope: [
      { code: 'runtime_errors', text: 'Finding and eliminating errors during use and Product runtime errors, and their reasons' },
      { code: 'error_fixing', text: 'Fixing software errors; diagnostics to find Product software errors' },
      { code: 'installation_errors', text: 'Software installation errors: recommendations per the installation instructions and documentation' },
    ],
    outOfScope: [
      {
        code: 'connectivity_or_server_settings',
        text: 'Detecting and fixing connectivity issues or server software settings',
        thirdParties: ['network_or_proxy_administrator', 'hosting_provider'],
      },
    ],
  },
  {
    code: 'development',
    title: 'Development issues',
    inScope: [
      { code: 'integration_advice', text: 'Advice on general software integration based on the integration instructions and documentation' },
      { code: 'api_module_advice', text: "Advice on using the Product's API modules" },
    ],
    outOfScope: [
      { code: 'general_programming', text: 'Advice on general programming issues', thirdParties: ['third_party_software_developer'] },
      {
        code: 'third_party_solution_diagnostics',
        text: 'Diagnostics of third-party programming solutions or software components',
        thirdParties: ['third_party_software_developer', 'third_party_content_developer'],
      },
    ],
  },
  {
    code: 'theory',
    title: 'Theoretical issues of working with the system',
    inScope: [
      { code: 'undocumented_functionality', text: 'Advice on Product functionality missing from the documentation' },
      { code: 'documentation_difficulties', text: 'Advice on Product setup when the documentation is hard to work with' },
      { code: 'functionality_suggestions', text: 'Recommendations and requests on Product functionality, referred to the design department' },
      { code: 'documentation_upkeep', text: 'Working with, augmenting and refreshing Product documentation' },
    ],
    outOfScope: [],
  },
] as const satisfies readonly SupportCategory[];

export const SupportCategoryCodes = SUPPORT_CATEGORIES.map((c) => c.code);
export const SupportCategoryCode = StringEnum(SupportCategoryCodes, { description: 'P6: the category of the request' });
export type SupportCategoryCode = Static<typeof SupportCategoryCode>;

export const OutOfScopeReasonCodes = SUPPORT_CATEGORIES.flatMap((c) => c.outOfScope.map((o) => o.code));
export const OutOfScopeReason = StringEnum(OutOfScopeReasonCodes, { description: 'P6: why the request is beyond technical support' });
export type OutOfScopeReason = Static<typeof OutOfScopeReason>;

/** The category an out-of-scope reason belongs to, and its case. */
export const outOfScopeCase = (code: string): { category: SupportCategory; case: OutOfScopeCase } | undefined => {
  for (const category of SUPPORT_CATEGORIES as readonly SupportCategory[]) {
    const found = category.outOfScope.find((o) => o.code === code);
    if (found) return { category, case: found };
  }
  return undefined;
};

/**
 * P10 (rules, "may delay support response time"): why a ticket waits. Only the requester-side
 * reasons may put a ticket in `awaiting_customer` and stop its clock; support-side delays are
 * recorded on the ticket and never stop a clock.
 */
export const RequesterWaitReasons = [
  'cannot_reproduce',
  'insufficient_information',
  'requirements_violated',
  'unlicensed_os',
  'malware',
  'question_unclear',
  'information_late',
] as const;
export const RequesterWaitReason = StringEnum(RequesterWaitReasons, { description: "P10: a reason on the requester's side" });
export type RequesterWaitReason = Static<typeof RequesterWaitReason>;

export const SupportDelays = ['needs_diagnostics', 'needs_development', 'needs_update'] as const;
export const SupportDelay = StringEnum(SupportDelays, { description: "P10: a delay on support's side (never stops a clock)" });
export type SupportDelay = Static<typeof SupportDelay>;

// P12: the requester's language, for mail and the support site.
export const Languages = ['en', 'ru'] as const;
export const Language = StringEnum(Languages, { description: "The requester's language" });
export type Language = Static<typeof Language>;

/**
 * The language a staff member reads TSS's mail to them in (escalation notices, a disabled
 * endpoint's mail): the requesters' languages. docs/adr/0042, addendum of 2026-12-05, fourth session.
 */
export const StaffLanguage = StringEnum(Languages, { description: "The staff member's mail language: `en` (the default) or `ru`" });
