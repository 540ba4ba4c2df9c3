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
  // The widget's own words in the languages the bot speaks ('ca-ES' -> 'ca'; English for the rest).
  var WORDS = {
    en: { header: 'Support', region: 'Support chat', suggested: 'Suggested articles', rateQuestion: 'How did we do? (1 = very unhappy, 5 = very happy)',
          comment: 'Anything to add?', message: 'Your message', send: 'Send', rate: 'Rate {0} of 5', rated: 'Thank you for your rating.' },
    ko: { header: '고객지원', region: '고객지원 채팅', suggested: '추천 도움말', rateQuestion: '상담은 어떠셨나요? (1 = 매우 불만족, 5 = 매우 만족)',
          comment: '덧붙일 말씀이 있나요?', message: '메시지', send: '보내기', rate: '5점 중 {0}점', rated: '평가해 주셔서 감사합니다.' },
    es: { header: 'Atención al cliente', region: 'Chat de atención al cliente', suggested: 'Artículos sugeridos',
          rateQuestion: '¿Qué tal lo hemos hecho? (1 = muy insatisfecho, 5 = muy satisfecho)', comment: '¿Algo que añadir?',
          message: 'Tu mensaje', send: 'Enviar', rate: 'Puntuar con {0} de 5', rated: 'Gracias por tu valoración.' },
    ca: { header: 'Atenció al client', region: 'Xat d\'atenció al client', suggested: 'Articles suggerits',
          rateQuestion: 'Com ho hem fet? (1 = gens satisfet, 5 = molt satisfet)', comment: 'Alguna cosa a afegir?',
          message: 'El teu missatge', send: 'Envia', rate: 'Puntua amb {0} de 5', rated: 'Gràcies per la valoració.' }
  };
  var words = WORDS[language.toLowerCase().split('-')[0]] || WORDS.en;
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
  box.lang = language;
  box.setAttribute('aria-label', words.region);
  box.innerHTML = '<header></header><ol aria-live="polite"></ol><div class="suggestions"></div>'
    + '<div class="survey" hidden><div class="question"></div><div class="scores"></div><input name="comment" maxlength="2000"></div>'
    + '<form><input name="text" autocomplete="off" maxlength="2000"><button type="submit"></button></form>';
  // set as text, never parsed as markup
  box.querySelector('header').textContent = words.header;
  box.querySelector('.suggestions').setAttribute('aria-label', words.suggested);
  box.querySelector('.survey .question').textContent = words.rateQuestion;
  box.querySelector('input[name=comment]').setAttribute('aria-label', words.comment);
  box.querySelector('input[name=comment]').placeholder = words.comment;
  box.querySelector('input[name=text]').setAttribute('aria-label', words.message);
  box.querySelector('form button').textContent = words.send;
  document.body.appendChild(box);
  var list = box.querySelector('ol'), suggestions = box.querySelector('.suggestions');
  var form = box.querySelector('form'), input = form.querySelector('input');
  var survey = box.querySelector('.survey'), comment = survey.querySelector('input');
  [1, 2, 3, 4, 5].forEach(function (score) {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = score;
    button.setAttribute('aria-label', words.rate.replace('{0}', score));
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
        show('notice', words.rated);
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
