import { Router } from 'express';
import type { ParticipantSetView, ProposalList, ProposalView } from '../api';
import { requireRole } from '../auth';
import type { Ledger } from '../fabric/ledger';
import { assertValid, validators } from '../validation';
import { assertJson } from './parameters';

/**
 * The participant set and its governance: `GET /participants` and `GET /participant-changes`
 * for readers; under `/admin` for
 * the member's administrators, initialising the set and proposing and approving changes to it.
 * Governance is submitted through `adminLedger`, which signs with the member's Fabric admin
 * identity: the contract accepts governance from no other (`NOT_AN_ADMIN`).
 */
export function newParticipantRoutes(
  options: Readonly<{ ledger: Ledger; adminLedger?: Ledger }>,
): Router {
  const { ledger } = options;
  const governance = options.adminLedger ?? ledger;
  const routes = Router();

  routes.get('/participants', requireRole('reader'), async (_request, response) => {
    const set: ParticipantSetView = await ledger.getParticipants();
    response.json(set);
  });

  routes.get('/participant-changes', requireRole('reader'), async (_request, response) => {
    const list: ProposalList = { items: await ledger.listParticipantChanges() };
    response.json(list);
  });

  const admin = Router();
  admin.use(requireRole('admin'));
  admin.post('/participants', async (request, response) => {
    assertJson(request);
    const body = assertValid(validators.InitParticipants, request.body, 'body');
    const proposal: ProposalView = await governance.initParticipants(
      body.participants,
      body.quorumRatio ?? '0.5',
    );
    response.json(proposal);
  });
  admin.post('/participant-changes', async (request, response) => {
    assertJson(request);
    const { proposalId, ...change } = assertValid(
      validators.ParticipantChange,
      request.body,
      'body',
    );
    const proposal: ProposalView = await governance.proposeParticipantChange(proposalId, {
      add: change.add ?? [],
      remove: change.remove ?? [],
      ...(change.quorumRatio ? { quorumRatio: change.quorumRatio } : {}),
    });
    response.status(201).json(proposal);
  });
  admin.post('/participant-changes/:proposalId/approve', async (request, response) => {
    const proposalId = assertValid(validators.RequestId, request.params.proposalId, 'proposalId');
    const proposal: ProposalView = await governance.approveParticipantChange(proposalId);
    response.json(proposal);
  });
  routes.use('/admin', admin);

  return routes;
}
