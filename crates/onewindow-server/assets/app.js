// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("button.print")) {
    window.print();
  }
});
