// Login form: posts the credentials as JSON; the session comes back as an HttpOnly cookie.
"use strict";
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById("error");
  error.textContent = "";
  const answer = await fetch("/api/v1/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.username.value, password: form.password.value }),
  });
  if (answer.ok) {
    const body = await answer.json();
    sessionStorage.setItem("csrf", body.user.csrf);
    window.location.assign("/painel");
    return;
  }
  error.textContent = answer.status === 429
    ? "Muitas tentativas. Aguarde alguns minutos."
    : "Usuário ou senha incorretos.";
});
