// Libp2pCore
