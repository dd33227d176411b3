import { FlowDialog, flowDialogId } from './flowDialog';
import type { DialogServices } from './services';

export const UNHAPPY_WITH_SUPPORT_FLOW = 'unhappy-with-support';

/**
 * "I'm unhappy with the support at school, nursery or college": talk to the school first (keep
 * notes, bring someone), then SENDIASS, then, if the school is doing all it can, an EHC needs
 * assessment. Content: knowledge/flows/unhappy-with-support.yaml.
 */
export class UnhappyWithSupportDialog extends FlowDialog {
  constructor(services: DialogServices) {
    super(flowDialogId(UNHAPPY_WITH_SUPPORT_FLOW), UNHAPPY_WITH_SUPPORT_FLOW, services);
  }
}
