// Package zkbridge serves the ZooKeeper wire protocol: the jute codec,
// connection and session handling, and the four-letter words. It
// translates packets into gateway calls and holds no namespace logic of
// its own.
//
// It holds no code yet; `zkgate serve` validates --zk-listen but opens no
// ZooKeeper listener.
package zkbridge
