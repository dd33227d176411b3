import { FlowDialog, flowDialogId } from './flowDialog';
import type { DialogServices } from './services';

export const WHAT_TO_DO_FLOW = 'what-to-do';

/**
 * "Help me work out what to do": what the disagreement is about, then the flow for it. Content:
 * knowledge/flows/what-to-do.yaml.
 */
export class WorkOutWhatToDoDialog extends FlowDialog {
  constructor(services: DialogServices) {
    super(flowDialogId(WHAT_TO_DO_FLOW), WHAT_TO_DO_FLOW, services);
  }
}
