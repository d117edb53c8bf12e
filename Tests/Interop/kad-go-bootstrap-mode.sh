#!/usr/bin/env bash
# kad-go.sh with Waystone in kademlia.mode=bootstrap: clients still find each other through it, and it keeps no
# provider record.
KAD_MODE=bootstrap exec bash "$(dirname "$0")/kad-go.sh"
