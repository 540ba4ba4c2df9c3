// Rapport chat widget: one script tag on any page.
//   <script src="https://<gateway>/chat/widget.js" data-language="ko" async></script>
// Optional: data-token-function="nameOfAGlobalFunctionReturningAnAccessToken" for signed-in customers.
// Anonymous visitors keep a signed visitor id (and their conversation) in localStorage.
(function () {
  'use strict';
  var script = document.currentScript;
  var origin = new URL(script.src).origin;
  var language = script.dataset.language || navigator.language || 'en';
  var tokenFunction = script.dataset.tokenFunction;
  var store = window.localStorage;
  var socket, counter = 0, typingTimer = null, started = false, pending = [], retry = 1000;

  var css = '#rapport-chat{position:fixed;right:16px;bottom:16px;width:340px;max-height:520px;display:flex;flex-direction:column;'
    + 'font:14px system-ui,sans-serif;background:#fff;border:1px solid #ccc;border-radius:10px;box-shadow:0 4px 16px rgba(0,0,0,.15)}'
    + '#rapport-chat header{padding:10px 12px;background:#2d3a8c;color:#fff;border-radius:10px 10px 0 0}'
    + '#rapport-chat ol{list-style:none;margin:0;padding:8px;overflow-y:auto;flex:1}'
    + '#rapport-chat li{margin:6px 0;padding:8px 10px;border-radius:8px;white-space:pre-wrap;max-width:85%}'
    + '#rapport-chat li.CUSTOMER{background:#e8ecff;margin-left:auto}#rapport-chat li.BOT{background:#f2f2f2}#rapport-chat li.AGENT{background:#dff5e3}'
    + '#rapport-chat li.notice{background:none;color:#555;font-style:italic;text-align:center;max-width:100%}'
    + '#rapport-chat button.choice{display:block;margin-top:6px;text-align:left}'
    + '#rapport-chat .replies{display:flex;flex-wrap:wrap;gap:4px;margin-top:6px}#rapport-chat .replies button{border-radius:12px;padding:3px 9px}'
    + '#rapport-chat .suggestions{padding:0 8px}#rapport-chat .suggestions button{display:block;width:100%;text-align:left;margin:2px 0}'
    + '#rapport-chat form{display:flex;gap:6px;padding:8px;border-top:1px solid #eee}#rapport-chat input{flex:1;padding:6px}'
    + '#rapport-chat .survey{padding:8px;border-top:1px solid #eee}#rapport-chat .survey[hidden]{display:none}'
    + '#rapport-chat .survey button{margin-right:4px}#rapport-chat .survey input{width:100%;margin-top:6px;box-sizing:border-box}';
  var style = document.createElement('style');
  style.textContent = css;
  document.head.appendChild(style);

  var box = document.createElement('section');
  box.id = 'rapport-chat';
  box.setAttribute('aria-label', 'Support chat');
  box.innerHTML = '<header>Support</header><ol aria-live="polite"></ol><div class="suggestions" aria-label="Suggested articles"></div>'
    + '<div class="survey" hidden><div>How did we do? (1 = very unhappy, 5 = very happy)</div><div class="scores"></div>'
    + '<input name="comment" maxlength="2000" aria-label="Anything to add?" placeholder="Anything to add?"></div>'
    + '<form><input name="text" autocomplete="off" aria-label="Your message" maxlength="2000"><button type="submit">Send</button></form>';
  document.body.appendChild(box);
  var list = box.querySelector('ol'), suggestions = box.querySelector('.suggestions');
  var form = box.querySelector('form'), input = form.querySelector('input');
  var survey = box.querySelector('.survey'), comment = survey.querySelector('input');
  [1, 2, 3, 4, 5].forEach(function (score) {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = score;
    button.setAttribute('aria-label', 'Rate ' + score + ' of 5');
    button.onclick = function () { frame({ type: 'rate', satisfaction: score, comment: comment.value }); };
    survey.querySelector('.scores').appendChild(button);
  });

  // The survey appears once the conversation is resolved.
  function status(value) {
    box.dataset.status = value;
    survey.hidden = value !== 'RESOLVED';
  }

  function show(author, text, choices, quickReplies) {
    var item = document.createElement('li');
    item.className = author;
    item.textContent = text;
    (choices || []).forEach(function (choice, i) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'choice';
      button.textContent = (i + 1) + '. ' + choice.title;
      button.onclick = function () { pick(choice); };
      item.appendChild(button);
    });
    // answers the bot offers (what it is about, how urgent): only the newest question's, one click sends it, then they go
    list.querySelectorAll('.replies').forEach(function (old) { old.remove(); });
    var replies = document.createElement('div');
    replies.className = 'replies';
    (quickReplies || []).forEach(function (reply) {
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = reply;
      button.onclick = function () { replies.remove(); say(reply); };
      replies.appendChild(button);
    });
    if (replies.childNodes.length) item.appendChild(replies);
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function frame(object) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(object));
  }

  // A message waits until the conversation is (re)started, then goes with its id: a resend is answered once.
  function deliver(message) {
    if (started) frame(message); else pending.push(message);
  }

  function say(text) {
    show('CUSTOMER', text);
    suggestions.innerHTML = '';
    deliver({ type: 'message', id: 'm' + Date.now() + '-' + (++counter), text: text });
  }

  // An article the customer picked (a suggestion or a choice): the bot answers with that article.
  function pick(article) {
    show('CUSTOMER', article.title);
    suggestions.innerHTML = '';
    input.value = '';
    deliver({ type: 'message', id: 'm' + Date.now() + '-' + (++counter), article: article.id, text: '' });
  }

  function connect() {
    socket = new WebSocket(origin.replace(/^http/, 'ws') + '/chat/socket');
    socket.onopen = function () {
      var start = { type: 'start', language: language };
      var token = tokenFunction && window[tokenFunction] ? window[tokenFunction]() : null;
      if (token) {
        start.token = token;
      } else if (store.getItem('rapport.visitor')) {
        start.visitor = store.getItem('rapport.visitor');
      }
      if ((token || start.visitor) && store.getItem('rapport.conversation')) start.conversation = store.getItem('rapport.conversation');
      frame(start);
    };
    socket.onmessage = function (event) {
      var f = JSON.parse(event.data);
      if (f.type === 'started') {
        if (f.visitor) store.setItem('rapport.visitor', f.visitor);
        store.setItem('rapport.conversation', f.conversation);
        list.innerHTML = '';
        status(f.status);
        started = true;
        retry = 1000;
        pending.splice(0).forEach(frame);
      } else if (f.type === 'message') {
        show(f.author, f.text, f.choices, f.quickReplies);
      } else if (f.type === 'status') {
        status(f.status);
      } else if (f.type === 'rated') {
        survey.hidden = true;
        show('notice', 'Thank you for your rating.');
      } else if (f.type === 'suggestions') {
        suggestions.innerHTML = '';
        f.articles.forEach(function (article) {
          var button = document.createElement('button');
          button.type = 'button';
          button.textContent = article.title;
          button.onclick = function () { pick(article); };
          suggestions.appendChild(button);
        });
      } else if (f.type === 'error') {
        if (f.title === 'Not found' || f.title === 'Not allowed') {
          // the stored conversation (or visitor id) is no longer ours: start afresh
          store.removeItem('rapport.conversation');
          if (f.title === 'Not allowed') store.removeItem('rapport.visitor');
          socket.close();
          return;
        }
        show('notice', f.detail);
      }
    };
    socket.onclose = function () {
      started = false;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 60000);
    };
  }

  form.onsubmit = function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = '';
    say(text);
  };
  input.oninput = function () {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { frame({ type: 'typing', text: input.value }); }, 150);
  };
  connect();
}());
