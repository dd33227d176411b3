import { FlowDialog, flowDialogId } from './flowDialog';
import type { DialogServices } from './services';

export const HEALTH_SOCIAL_CARE_FLOW = 'health-social-care';

/**
 * "I disagree about health or social care support": talk to the service first, then the routes
 * that apply (disagreement resolution only at EHC stages, mediation, complaints). Content:
 * knowledge/flows/health-social-care.yaml.
 */
export class HealthOrSocialCareDialog extends FlowDialog {
  constructor(services: DialogServices) {
    super(flowDialogId(HEALTH_SOCIAL_CARE_FLOW), HEALTH_SOCIAL_CARE_FLOW, services);
  }
}
