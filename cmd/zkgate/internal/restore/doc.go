// Package restore is zkgate ctl restore's writing: Apply puts a subtree
// of the namespace back as it was at a past zxid, over the differences
// migrate.Diff found between then and the present read at the zxid the
// plan was made at (the base). Each write is conditional on its znode
// being as it was at the base (data version, ACL version, absence), so a
// write anyone made after the plan was shown is never overwritten:
// Apply stops there with a ChangedError naming the znode, and running
// restore again shows a new plan for what is left. Ephemerals are
// neither created (their sessions are gone) nor deleted (their sessions
// are alive), and the znodes above a live ephemeral stay.
package restore
