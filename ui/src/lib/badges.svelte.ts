// Counts shown on the navigation. The screens and background listeners that know the numbers
// set them here; the shell only shows them.

class Badges {
  /** Access requests waiting for the owner's decision. */
  pendingRequests = $state(0);
  /** Offers in the inbox not yet seen. */
  unreadInbox = $state(0);
}

export const badges = new Badges();
