import { randomUUID } from 'node:crypto';
import { PartnerUpdatedV1, SiteLinkMintedV1, SiteLinkRevokedV1 } from '@tss/contracts';
import { Outbox, outboxDraft, type OutboxDraft } from '@tss/messaging';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { gatewayService } from '../src';
import { GATEWAY_SCHEMA } from '../src/store/gateway.entities';
import { BackfillMintedSiteLinks1765602020000 } from '../src/store/migrations/1765602020000-backfill-minted-site-links';
import { mintedSiteLinkStore } from '../src/store/minted-site-link.store';

// docs/adr/0037, addendum of 2026-12-04, sixth session: the previous release published
// `partner.site_link_minted` but kept no `gateway.minted_site_links`; a link it minted, revoked
// after the upgrade, was on no history. The upgrade seeds the table from the outbox's kept events.
describe('upgrade: the links the previous release minted are known as minted (migration 1765602020000)', () => {
  const clock = new TestClock('2026-12-04T12:00:00.000Z');
  const [partnerId, ticketId, otherTicketId] = [randomUUID(), randomUUID(), randomUUID()];
  const [byStaff, byPartner, unpublished] = [randomUUID(), randomUUID(), randomUUID()];
  const minted = (linkId: string, ticket: string, mintedBy: { kind: 'staff' | 'partner'; id: string }, mintedAt: string) =>
    outboxDraft(SiteLinkMintedV1, ticket, { partnerId, ticketId: ticket, linkId, requester: 'cust-ann', mintedBy, expiresAt: '2026-12-15T09:00:00.000Z', mintedAt });
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(gatewayService, {
      clock,
      database: {
        // The previous release: every migration before the table of minted links.
        before: 1765601100000,
        write: async (query) => {
          const drafts: OutboxDraft[] = [
            minted(byStaff, ticketId, { kind: 'staff', id: 'sc_agent_old' }, '2026-12-01T09:00:00.000Z'),
            minted(byPartner, ticketId, { kind: 'partner', id: 'pc_acme' }, '2026-12-02T09:00:00.000Z'),
            outboxDraft(SiteLinkRevokedV1, ticketId, { partnerId, ticketId, linkId: byStaff, revokedBy: { kind: 'partner', id: 'pc_acme' }, revokedAt: '2026-12-02T10:00:00.000Z' }),
            outboxDraft(PartnerUpdatedV1, partnerId, { partnerId, name: 'Acme', active: true, changedAt: '2026-12-02T11:00:00.000Z' }),
            minted(unpublished, otherTicketId, { kind: 'staff', id: 'sc_agent_old' }, '2026-12-03T09:00:00.000Z'),
          ];
          const { sql, params } = new Outbox({ service: 'gateway', schema: GATEWAY_SCHEMA, clock }).addAllStatement(drafts, 1);
          await query(sql, params);
          // The relay published all but the last, and kept them until pruned (docs/adr/0032).
          await query(`UPDATE gateway.outbox SET published_at = created_at WHERE message_key <> $1`, [otherTicketId]);
        },
      },
    });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const mintedRows = () =>
    sut.query<{ link_id: string; ticket_id: string; partner_id: string; minted_by: string; minted_at: Date }>(
      `SELECT link_id, ticket_id, partner_id, minted_by, minted_at FROM gateway.minted_site_links ORDER BY minted_at`,
    );

  it('every link minted in the outbox, published or not, is a minted link of its ticket, with its minter and time; no other event is', async () => {
    expect(await mintedRows()).toEqual([
      { link_id: byStaff, ticket_id: ticketId, partner_id: partnerId, minted_by: 'staff:sc_agent_old', minted_at: new Date('2026-12-01T09:00:00.000Z') },
      { link_id: byPartner, ticket_id: ticketId, partner_id: partnerId, minted_by: 'partner:pc_acme', minted_at: new Date('2026-12-02T09:00:00.000Z') },
      { link_id: unpublished, ticket_id: otherTicketId, partner_id: partnerId, minted_by: 'staff:sc_agent_old', minted_at: new Date('2026-12-03T09:00:00.000Z') },
    ]);
    // What a revocation asks before it publishes `partner.site_link_revoked` for the history (use-cases/site-links.ts).
    const manager = sut.host.dataSource.manager;
    expect(await mintedSiteLinkStore.wasMintedFor(manager, byPartner, ticketId)).toBe(true);
    expect(await mintedSiteLinkStore.wasMintedFor(manager, byPartner, otherTicketId)).toBe(false);
  });

  it('run again, it changes nothing and fails on no link already known', async () => {
    const before = await mintedRows();
    const runner = sut.host.dataSource.createQueryRunner();
    try {
      await new BackfillMintedSiteLinks1765602020000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await mintedRows()).toEqual(before);
  });
});
