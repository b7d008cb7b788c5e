"use strict";
(function () {
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  // The filter form: each value goes out as field or field__lookup; empty ones are left out.
  var filter = document.getElementById("filter-form");
  if (filter) {
    filter.addEventListener("submit", function () {
      filter.querySelectorAll("input[data-field]").forEach(function (input) {
        var lookup = filter.querySelector('select[data-for="' + input.dataset.field + '"]').value;
        input.name = input.dataset.field + (lookup && lookup !== "exact" ? "__" + lookup : "");
        input.disabled = input.value === "";
      });
      filter.querySelectorAll("select[name], #limit").forEach(function (el) { el.disabled = el.value === ""; });
    });
  }
  function send(method, action, body) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrf };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(action, { method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body) });
  }
  function value(el) {
    var v = el.value, t = el.dataset.type;
    if (v === "") { return el.dataset.nullable === "true" ? null : ""; }
    if ((t === "integer" || t === "related") && /^-?\d+$/.test(v.trim())) { return parseInt(v, 10); }
    if (t === "float" && v.trim() !== "" && !isNaN(Number(v))) { return Number(v); }
    if (t === "boolean") { return v === "true"; }
    if (t === "json") { try { return JSON.parse(v); } catch (e) { return v; } }
    return v;
  }
  function showErrors(form, status, answer) {
    form.querySelectorAll(".field-error").forEach(function (s) { s.textContent = ""; });
    form.querySelectorAll(".invalid").forEach(function (s) { s.classList.remove("invalid"); });
    var fields = (answer && answer.details && answer.details.fields) || {};
    Object.keys(fields).forEach(function (name) {
      var span = form.querySelector('.field-error[data-for="' + name + '"]');
      var input = form.querySelector('[name="' + name + '"]');
      if (span) { span.textContent = String(fields[name]); }
      if (input) { input.classList.add("invalid"); }
    });
    var msg = (answer && (answer.error || answer.detail)) || ("The server answered " + status + ".");
    form.querySelector(".form-error").textContent = msg;
  }
  document.querySelectorAll("form.write").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var method = form.dataset.method, data = {};
      form.querySelectorAll("[data-type]").forEach(function (el) {
        if (method === "POST" && el.value === "") { return; }
        if (method !== "POST" && el.value === el.dataset.initial) { return; }
        data[el.name] = value(el);
      });
      send(method, form.dataset.action, data).then(function (resp) {
        return resp.text().then(function (text) {
          var answer = null;
          try { answer = text ? JSON.parse(text) : null; } catch (e) { answer = null; }
          if (!resp.ok) { showErrors(form, resp.status, answer); return; }
          var next = resp.headers.get("Location") || (answer && answer.resource_uri) || form.dataset.action;
          window.location.assign(next);
        });
      }).catch(function (e) { form.querySelector(".form-error").textContent = String(e); });
    });
  });
  var del = document.getElementById("delete");
  if (del) {
    del.addEventListener("click", function () {
      send("DELETE", del.dataset.action).then(function (resp) {
        if (resp.ok) { window.location.assign(del.dataset.list); return; }
        return resp.json().then(function (a) { document.getElementById("delete-error").textContent = a.error || a.detail; });
      });
    });
  }
})();
