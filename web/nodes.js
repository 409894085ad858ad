// The node the page shows, when the daemon is a hub ([node] sections): ?node=NAME in the
// page's address, "local" or none for the hub's own host. The reads of a remote node are
// asked of the hub with ?node=NAME, its live channels are node/NAME/..., and they come back
// to the cards without that prefix, so every card and chart shows the chosen node while
// the rest of the page knows nothing of hubs. Choosing a node loads the page again with
// the new address: every card, chart and subscription starts over for it.
export const LOCAL = 'local';
const NAME = /^[A-Za-z0-9_-]{1,31}$/;

// The remote node in the address, or null for the hub itself.
export function selectedNode(search = location.search) {
  const n = new URLSearchParams(search).get('node');
  return n && n !== LOCAL && NAME.test(n) ? n : null;
}

// path with node=NAME added when a remote node is shown.
export function withNode(path, node = selectedNode()) {
  if (!node) return path;
  return `${path}${path.includes('?') ? '&' : '?'}node=${encodeURIComponent(node)}`;
}

// The channels to subscribe to for the node shown.
export function nodeChannels(channels, node = selectedNode()) {
  return node ? channels.map((c) => `node/${node}/${c}`) : channels;
}

// A channel as the cards know it, or null when it belongs to another node than the one
// shown.
export function localChannel(channel, node = selectedNode()) {
  if (!node) return channel.startsWith('node/') ? null : channel;
  const prefix = `node/${node}/`;
  return channel.startsWith(prefix) ? channel.slice(prefix.length) : null;
}

// The page's address for node name, keeping the other arguments (transport=...).
export function nodeHref(name, search = location.search) {
  const q = new URLSearchParams(search);
  if (!name || name === LOCAL) q.delete('node');
  else q.set('node', name);
  const s = q.toString();
  return `${location.pathname}${s ? `?${s}` : ''}`;
}
