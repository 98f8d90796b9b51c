/** The facility's unit tests as an update: every output known (see facility-cases.ts). */
import { setupMocks } from "../helpers/pulumi";
import { facilityTests } from "./facility-cases";

facilityTests(setupMocks({ preview: false }), "update");
