import { DisagreeWithCouncilDecisionDialog } from './councilDecisionDialog';
import { MakeComplaintDialog } from './complaintDialog';
import { ChallengeExclusionDialog } from './exclusionDialog';
import { FlowDialog, flowDialogId } from './flowDialog';
import { HealthOrSocialCareDialog } from './healthSocialCareDialog';
import { UnhappyWithSupportDialog } from './unhappyWithSupportDialog';
import { WorkOutWhatToDoDialog } from './workOutWhatToDoDialog';
import { flowsOf, type DialogServices } from './services';

/**
 * One dialog per guided flow: the named ones, and a plain FlowDialog for any flow a content editor
 * adds to knowledge/flows without code.
 */
export function flowDialogs(services: DialogServices): FlowDialog[] {
  const named: FlowDialog[] = [
    new WorkOutWhatToDoDialog(services),
    new UnhappyWithSupportDialog(services),
    new DisagreeWithCouncilDecisionDialog(services),
    new MakeComplaintDialog(services),
    new HealthOrSocialCareDialog(services),
    new ChallengeExclusionDialog(services),
  ];
  const engine = flowsOf(services);
  const present = named.filter((d) => engine.has(d.flowId));
  const others = engine.flowIds()
    .filter((id) => !present.some((d) => d.flowId === id))
    .map((id) => new FlowDialog(flowDialogId(id), id, services));
  return [...present, ...others];
}
