import { FlowDialog, flowDialogId } from './flowDialog';
import type { DialogServices } from './services';

export const COMPLAINT_FLOW = 'complaint';

/**
 * "I want to complain": about whom, how to complain well, and what to do if unhappy with the
 * outcome. Content: knowledge/flows/complaint.yaml.
 */
export class MakeComplaintDialog extends FlowDialog {
  constructor(services: DialogServices) {
    super(flowDialogId(COMPLAINT_FLOW), COMPLAINT_FLOW, services);
  }
}
