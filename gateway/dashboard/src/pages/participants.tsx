import type { ParticipantSetView, ProposalList } from '@corroborate/gateway/api';
import { useEffect, useState } from 'preact/hooks';
import { describeError, getJson } from '../api';
import { Card, ErrorNotice, Facts, Loading, StatusBadge } from '../components';
import { subscribe } from '../events';
import { formatTime } from '../format';

type Proposal = ProposalList['items'][number];

export function ParticipantsPage() {
  const [set, setSet] = useState<ParticipantSetView>();
  const [proposals, setProposals] = useState<Proposal[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    const load = () =>
      Promise.all([
        getJson<ParticipantSetView>('/v1/participants'),
        getJson<ProposalList>('/v1/participant-changes'),
      ])
        .then(([participants, list]) => {
          setSet(participants);
          setProposals(list.items);
          setError(undefined);
        })
        .catch((failure: unknown) => setError(describeError(failure)));
    void load();
    return subscribe((event) => {
      if (event.name === 'ParticipantsChanged') void load();
    });
  }, []);

  if (!set || !proposals) {
    return error ? <ErrorNotice error={error} /> : <Loading what="the participants" />;
  }
  const open = proposals.filter((proposal) => proposal.status === 'open');
  const past = proposals.filter((proposal) => proposal.status !== 'open');
  // Governance needs more than half of all participants, whatever the quorum ratio.
  const majority = Math.floor(set.participants.length / 2) + 1;
  return (
    <>
      <h1>Participants and governance</h1>
      <ErrorNotice error={error} />
      <div class="grid">
        <Card title="Participant set">
          <Facts
            items={[
              ['Participants', String(set.participants.length)],
              ['Quorum ratio', set.quorumRatio],
              [
                'Threshold',
                `${set.threshold} valid verdict(s) of the ${set.participants.length - 1} voters of a request (every participant but its requester)`,
              ],
              ['Version', String(set.version)],
              ['Changes need', `${majority} approval(s), a majority of the participants`],
            ]}
          />
          <ul class="members">
            {set.participants.map((participant) => (
              <li key={participant}>{participant}</li>
            ))}
          </ul>
        </Card>
        <Card title={`Open proposals (${open.length})`}>
          <ProposalTable proposals={open} majority={majority} empty="No proposal is open." />
        </Card>
      </div>
      <Card title={`Past proposals (${past.length})`}>
        <ProposalTable proposals={past} majority={majority} empty="No proposal has closed yet." />
      </Card>
    </>
  );
}

function describeChange(change: Proposal['change']): string {
  const parts = [
    ...(change.add.length ? [`add ${change.add.join(', ')}`] : []),
    ...(change.remove.length ? [`remove ${change.remove.join(', ')}`] : []),
    ...(change.quorumRatio ? [`quorum ratio ${change.quorumRatio}`] : []),
  ];
  return parts.join('; ');
}

function ProposalTable(props: { proposals: Proposal[]; majority: number; empty: string }) {
  if (props.proposals.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    <table class="proposals">
      <thead>
        <tr>
          <th scope="col">Proposal</th>
          <th scope="col">Change</th>
          <th scope="col">Proposer</th>
          <th scope="col">Approvals</th>
          <th scope="col">Status</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {props.proposals.map((proposal) => (
          <tr key={proposal.proposalId}>
            <th scope="row" data-label="Proposal">
              {proposal.proposalId}
            </th>
            <td data-label="Change">{describeChange(proposal.change)}</td>
            <td data-label="Proposer">{proposal.proposer}</td>
            <td data-label="Approvals">
              {proposal.status === 'open'
                ? `${proposal.approvals.length} of ${props.majority}: ${proposal.approvals.join(', ')}`
                : proposal.approvals.join(', ')}
            </td>
            <td data-label="Status">
              <StatusBadge status={proposal.status} />
            </td>
            <td data-label="Created">
              {formatTime(proposal.createdAt)}
              {proposal.appliedAt ? `, applied ${formatTime(proposal.appliedAt)}` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
