// Rapport agent console: signs the agent in with Keycloak (authorization code with PKCE, public client), then works
// the agents' WebSocket (/agent/socket, protocol in AgentSocket.java): the queue with each handoff packet, accept,
// live messages both ways, resolve. Tokens stay in memory; a reload signs in again through Keycloak's session.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var signIn = null, tokens = null, socket = null, retry = 1000, counter = 0, queueTimer = null, refreshTimer = null;
  var open = {}; // conversation id -> its panel
  var teams = []; // as the desk last listed them
  var TEAMS_KEY = 'rapport.agent.teams'; // + '.' + agent: the queues this agent chose to follow (all when none)
  var agentName = null, agentTeams = []; // who signed in, and the teams their account puts them in

  // the followed teams that still exist (a team removed from the configuration is dropped, not asked for): the agent's
  // own choice on this browser, else their account's teams
  function followed() {
    var names = teams.map(function (t) { return t.name; });
    var chosen = localStorage.getItem(TEAMS_KEY + '.' + agentName);
    return (chosen === null ? agentTeams : JSON.parse(chosen)).filter(function (t) { return names.indexOf(t) >= 0; });
  }

  function refreshQueue() {
    frame({ type: 'queue', teams: followed() });
  }

  function poll() {
    frame({ type: 'teams' });
    refreshQueue();
  }

  function notice(text) {
    $('notice').textContent = text || '';
    $('notice').hidden = !text;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; // never innerHTML: customers write these
    return node;
  }

  function base64url(bytes) {
    return btoa(String.fromCharCode.apply(null, new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function random() {
    return base64url(crypto.getRandomValues(new Uint8Array(32)));
  }

  function redirectUri() {
    return location.origin + location.pathname;
  }

  async function startSignIn() {
    var verifier = random(), state = random();
    sessionStorage.setItem('rapport.pkce', JSON.stringify({ verifier: verifier, state: state }));
    var challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    location.assign(signIn.realm + '/protocol/openid-connect/auth?' + new URLSearchParams({
      client_id: signIn.clientId, redirect_uri: redirectUri(), response_type: 'code', scope: 'openid',
      state: state, code_challenge: challenge, code_challenge_method: 'S256'
    }));
  }

  async function token(form) {
    form.client_id = signIn.clientId;
    var response = await fetch(signIn.realm + '/protocol/openid-connect/token', {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form)
    });
    if (!response.ok) throw new Error('sign-in refused (' + response.status + ')');
    tokens = await response.json();
    clearTimeout(refreshTimer);
    // refresh before the access token expires: the socket needs a valid one whenever it reconnects
    refreshTimer = setTimeout(function () {
      token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }).catch(function () { signedOut('Your session ended.'); });
    }, Math.max(10, tokens.expires_in - 30) * 1000);
  }

  function signedOut(message) {
    tokens = null;
    if (socket) { socket.onclose = null; socket.close(); }
    $('desk').hidden = true;
    $('sign-out').hidden = true;
    $('signed-out').hidden = false;
    notice(message);
  }

  var outbox = []; // what the agent wrote while the connection was down: sent once it is back
  function frame(object) {
    if (socket && socket.readyState === WebSocket.OPEN && socket.started) {
      socket.send(JSON.stringify(object));
    } else if (object.type === 'message') {
      outbox.push(object);
    }
  }

  function connect() {
    socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/agent/socket');
    socket.onopen = function () { socket.send(JSON.stringify({ type: 'start', token: tokens.access_token })); };
    socket.onmessage = function (event) { handle(JSON.parse(event.data)); };
    socket.onclose = function () {
      clearInterval(queueTimer);
      if (!tokens) return;
      notice('Connection lost; reconnecting…');
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  function handle(f) {
    if (f.type === 'started') {
      socket.started = true;
      retry = 1000;
      notice('');
      $('agent').textContent = f.agent;
      agentName = f.agent;
      agentTeams = f.teams || [];
      $('desk').hidden = false;
      $('sign-out').hidden = false;
      $('signed-out').hidden = true;
      poll();
      clearInterval(queueTimer);
      queueTimer = setInterval(poll, 3000);
      // after a reconnect, follow the conversations this desk holds again (their transcripts come back), a few at a
      // time (the socket allows 40 frames in 10 s), then send what was written meanwhile
      Object.keys(open).filter(function (id) { return open[id].dataset.status === 'WITH_AGENT'; }).forEach(function (id, i) {
        setTimeout(function () { frame({ type: 'accept', conversation: id }); }, 300 * i);
      });
      outbox.splice(0).forEach(frame);
    } else if (f.type === 'teams') {
      showTeams(f.teams);
    } else if (f.type === 'queue') {
      showQueue(f.conversations);
    } else if (f.type === 'accepted') {
      showConversation(f);
      refreshQueue();
    } else if (f.type === 'message') {
      var panel = open[f.conversation];
      if (panel) add(panel, f);
    } else if (f.type === 'sent') {
      var sent = open[f.conversation] && open[f.conversation].querySelector('[data-id="' + CSS.escape(f.id) + '"]');
      if (sent) sent.removeAttribute('aria-busy');
    } else if (f.type === 'status') {
      if (open[f.conversation]) setStatus(open[f.conversation], f.status, f.team);
    } else if (f.type === 'error') {
      notice(f.title + ': ' + (f.detail || ''));
      document.querySelectorAll('.transfer button').forEach(function (b) { b.disabled = false; });
      if (f.title === 'Not allowed') signedOut('This console is for agents: ' + (f.detail || ''));
    }
  }

  function packet(handoff, language) {
    var box = el('div', 'packet');
    box.appendChild(el('h3', null, 'Handoff packet'));
    var why = { ASKED_FOR_PERSON: 'asked for a person', FRUSTRATED: 'was frustrated', NO_ANSWER: 'the bot had no answer',
      NO_PROGRESS: 'two turns without progress', SAME_ANSWER_TWICE: 'the same answer would have come twice' }[handoff.reason] || handoff.reason;
    box.appendChild(el('div', 'meta', 'Why: ' + why + ' · ' + (handoff.signedIn ? 'signed-in customer' : 'visitor')
      + ' · language ' + language + (handoff.offline ? ' · ticket (outside opening hours)' : '')));
    var urgency = { HIGH: 'urgent', NORMAL: 'today', LOW: 'no rush' }[handoff.urgency];
    box.appendChild(el('div', 'routing', 'Team: ' + (handoff.team || '?')
      + (handoff.routedBy ? ' (by ' + handoff.routedBy.toLowerCase() + ')' : '')
      + (handoff.topic ? ' · about: ' + handoff.topic : '') + (urgency ? ' · ' + urgency : '')));
    if (handoff.contact) box.appendChild(el('div', 'contact', 'Contact: ' + handoff.contact));
    var facts = Object.keys(handoff.customerFacts || {});
    if (facts.length) {
      // only what the support purpose may see of the customer (the consent policy's purpose_categories)
      var known = el('dl', 'facts');
      facts.forEach(function (name) {
        known.append(el('dt', null, name.replace(/_/g, ' ')), el('dd', null, handoff.customerFacts[name]));
      });
      box.appendChild(known);
    }
    (handoff.transferNotes || []).forEach(function (note) { box.appendChild(el('div', 'note', 'Transfer note: ' + note)); });
    box.appendChild(el('div', null, 'The customer said:'));
    var said = el('ul', 'said');
    (handoff.customerSaid || []).forEach(function (text) { said.appendChild(el('li', null, text)); });
    box.appendChild(said);
    if ((handoff.botTried || []).length) {
      box.appendChild(el('div', null, 'The bot tried:'));
      var tried = el('ul', 'tried');
      handoff.botTried.forEach(function (article) { tried.appendChild(el('li', null, article.title)); });
      box.appendChild(tried);
    }
    return box;
  }

  // The teams this agent follows, with who is open and how many wait; changing them changes the queue shown.
  function showTeams(list) {
    teams = list;
    var box = $('teams');
    var chosen = followed();
    box.querySelectorAll('label').forEach(function (label) { label.remove(); });
    list.forEach(function (t) {
      var label = el('label');
      var check = el('input');
      check.type = 'checkbox';
      check.value = t.name;
      check.checked = chosen.indexOf(t.name) >= 0;
      check.onchange = function () {
        var now = Array.prototype.filter.call(box.querySelectorAll('input'), function (i) { return i.checked; })
          .map(function (i) { return i.value; });
        localStorage.setItem(TEAMS_KEY + '.' + agentName, JSON.stringify(now));
        poll();
      };
      label.append(check, ' ' + t.name + ' (' + t.waiting + (t.openNow ? '' : ', closed') + ')');
      label.title = t.hours;
      box.appendChild(label);
    });
    Object.keys(open).forEach(function (id) { fillTransfer(open[id]); });
  }

  function showQueue(conversations) {
    var queue = $('queue');
    queue.textContent = '';
    if (!conversations.length) queue.appendChild(el('p', 'empty', 'Nobody is waiting.'));
    var byTeam = {};
    conversations.forEach(function (c) {
      var team = c.handoff.team || '?';
      if (!byTeam[team]) {
        byTeam[team] = el('div', 'team');
        byTeam[team].dataset.team = team;
        byTeam[team].appendChild(el('h3', null, team));
        queue.appendChild(byTeam[team]);
      }
      var card = el('article', 'card' + (c.handoff.urgency === 'HIGH' ? ' urgent' : ''));
      card.dataset.conversation = c.conversation;
      card.appendChild(packet(c.handoff, c.language));
      var accept = el('button', null, 'Accept');
      accept.type = 'button';
      accept.onclick = function () { accept.disabled = true; frame({ type: 'accept', conversation: c.conversation }); };
      card.appendChild(accept);
      byTeam[team].appendChild(card);
    });
  }

  function showConversation(c) {
    var panel = open[c.conversation];
    if (!panel) {
      var list = $('conversations');
      var empty = list.querySelector('.empty');
      if (empty) empty.remove();
      panel = el('article', 'conversation');
      panel.dataset.conversation = c.conversation;
      panel.setAttribute('aria-label', 'Conversation ' + c.conversation);
      list.prepend(panel);
      open[c.conversation] = panel;
    }
    var draft = panel.querySelector('form input') ? panel.querySelector('form input').value : '';
    var pending = Array.prototype.map.call(panel.querySelectorAll('li[aria-busy]'), function (li) {
      return { id: li.dataset.id, author: 'AGENT', text: li.textContent };
    });
    panel.textContent = '';
    panel.appendChild(packet(c.handoff, c.language));
    var transcript = el('ol');
    transcript.setAttribute('aria-live', 'polite');
    panel.appendChild(transcript);
    c.messages.forEach(function (m) { add(panel, m); });
    // replies not yet confirmed stay on screen, still marked as sending (the outbox sends them)
    pending.forEach(function (m) { add(panel, m).setAttribute('aria-busy', 'true'); });
    var form = el('form');
    var input = el('input');
    input.value = draft; // a reconnect does not lose what the agent was typing
    input.name = 'text';
    input.maxLength = 2000;
    input.autocomplete = 'off';
    input.setAttribute('aria-label', 'Reply');
    var send = el('button', null, 'Send');
    send.type = 'submit';
    var resolve = el('button', null, 'Resolve');
    resolve.type = 'button';
    resolve.onclick = function () { frame({ type: 'resolve', conversation: c.conversation }); };
    form.append(input, send, resolve);
    // another team should take it: it goes to their queue with a note, the customer keeps their place
    var transfer = el('div', 'transfer');
    var team = el('select');
    team.setAttribute('aria-label', 'Transfer to team');
    var note = el('input');
    note.maxLength = 500;
    note.setAttribute('aria-label', 'Note for the next agent');
    note.placeholder = 'Note for the next agent';
    var pass = el('button', null, 'Transfer');
    pass.type = 'button';
    pass.onclick = function () {
      pass.disabled = true; // once: the answer (or an error) enables it again
      frame({ type: 'transfer', conversation: c.conversation, team: team.value, note: note.value });
    };
    transfer.append(team, note, pass);
    form.onsubmit = function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      input.value = '';
      var id = 'a' + Date.now() + '-' + (++counter);
      var item = add(panel, { id: id, author: 'AGENT', text: text });
      item.setAttribute('aria-busy', 'true'); // until the gateway says it was stored
      frame({ type: 'message', conversation: c.conversation, id: id, text: text });
    };
    panel.appendChild(form);
    panel.appendChild(transfer);
    fillTransfer(panel);
    setStatus(panel, c.status);
  }

  function fillTransfer(panel) {
    var select = panel.querySelector('.transfer select');
    if (!select || select.options.length) return;
    teams.forEach(function (t) {
      var option = el('option', null, t.name + (t.openNow ? '' : ' (closed)'));
      option.value = t.name;
      select.appendChild(option);
    });
  }

  function add(panel, m) {
    var transcript = panel.querySelector('ol');
    var existing = transcript.querySelector('[data-id="' + CSS.escape(m.id) + '"]');
    if (existing) return existing;
    var item = el('li', m.author, m.text);
    item.dataset.id = m.id;
    transcript.appendChild(item);
    transcript.scrollTop = transcript.scrollHeight;
    return item;
  }

  function setStatus(panel, status, team) {
    panel.dataset.status = status;
    if (status !== 'WITH_AGENT' && !panel.querySelector('.ended')) {
      panel.appendChild(el('p', 'ended', status === 'RESOLVED' ? 'Resolved: the customer is asked how it went.'
        : team ? 'Transferred to ' + team + '.' : 'No longer yours (' + status + ').'));
    }
  }

  $('sign-in').onclick = function () { startSignIn(); };
  $('sign-out').onclick = function () {
    var idToken = tokens && tokens.id_token;
    signedOut('');
    location.assign(signIn.realm + '/protocol/openid-connect/logout?' + new URLSearchParams(
      { client_id: signIn.clientId, post_logout_redirect_uri: redirectUri(), id_token_hint: idToken || '' }));
  };

  (async function () {
    signIn = await (await fetch('/agent/sign-in')).json();
    var params = new URLSearchParams(location.search);
    var pkce = JSON.parse(sessionStorage.getItem('rapport.pkce') || 'null');
    if (params.get('code') && pkce && params.get('state') === pkce.state) {
      sessionStorage.removeItem('rapport.pkce');
      history.replaceState(null, '', redirectUri()); // the code is used once; keep it out of the address bar
      try {
        await token({ grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri(), code_verifier: pkce.verifier });
        connect();
        return;
      } catch (e) {
        notice(e.message);
      }
    }
    signedOut($('notice').textContent);
  }());
}());
