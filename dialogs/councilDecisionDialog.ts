import { FlowDialog, flowDialogId } from './flowDialog';
import type { DialogServices } from './services';

export const COUNCIL_DECISION_FLOW = 'council-decision';

/**
 * "I disagree with a council decision": which decision, whether it can be appealed and whether
 * mediation advice comes first, the routes that can run alongside, then the deadline (the deadline
 * dialog, with the decision already known). Content: knowledge/flows/council-decision.yaml.
 */
export class DisagreeWithCouncilDecisionDialog extends FlowDialog {
  constructor(services: DialogServices) {
    super(flowDialogId(COUNCIL_DECISION_FLOW), COUNCIL_DECISION_FLOW, services);
  }
}
