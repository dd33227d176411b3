import { FlowDialog, flowDialogId } from './flowDialog';
import type { DialogServices } from './services';

export const EXCLUSION_FLOW = 'exclusion';

/**
 * "My child has been excluded": act quickly, where to get advice, and the support before the
 * exclusion. Content: knowledge/flows/exclusion.yaml.
 */
export class ChallengeExclusionDialog extends FlowDialog {
  constructor(services: DialogServices) {
    super(flowDialogId(EXCLUSION_FLOW), EXCLUSION_FLOW, services);
  }
}
