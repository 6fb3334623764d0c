"""The viewer notebook in a real browser: JupyterLab headless, Chromium driven by Selenium.

Opens the viewer notebook (notebooks/06_viewer.py as .ipynb, parameterised onto a tiny generated dataset),
runs all cells from the Run menu, waits for the widgets to render, clicks a view button and checks that the
kernel redraws the picture, and takes a screenshot. Skips only where Chromium or its driver is not installed
(`.ci/run` installs Debian's ``chromium`` and ``chromium-driver``).
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import cv2
import pytest

from arsr_lib.run.reproduce import read_notebook

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="Chromium / chromedriver not installed "
    "(apt-get install chromium chromium-driver; .ci/run does this)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path, catalogue_dirs):
    import papermill as pm

    frames_root, data_root = catalogue_dirs
    work = tmp_path / "lab"
    work.mkdir()
    pm.execute_notebook(
        read_notebook(ROOT / "notebooks" / "06_viewer.py"),
        str(work / "06_viewer.ipynb"),
        prepare_only=True,
        parameters={
            "profile": "smoke",
            "dataset": "synth-t",
            "frame": 3,
            "frames_root": str(frames_root),
            "data_root": str(data_root),
        },
    )
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
        "ARSR_REPORTS_DIR": str(tmp_path / "reports"),
    }
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--allow-root",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={work}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"JupyterLab exited: {(tmp_path / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not answer: {(tmp_path / 'lab.log').read_text()[-2000:]}")
        yield url, token, tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def catalogue_dirs(tmp_path):
    from test_viewer import make_catalogue

    cat = make_catalogue(tmp_path / "data")
    return cat.frames_root, cat.data_root


@pytest.mark.slow
def test_viewer_renders_and_reacts_in_chromium(lab):
    from selenium import webdriver
    from selenium.common.exceptions import ElementClickInterceptedException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    url, token, tmp = lab
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1100",
        "--disable-background-networking",
        "--disable-extensions",
        "--no-first-run",
        f"--user-data-dir={tmp / 'chrome'}",
    ):
        opts.add_argument(a)
    driver = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=DRIVER))
    step = "start"
    try:
        wait = WebDriverWait(driver, 60)
        step = "open the notebook"
        driver.get(f"{url}/lab/tree/06_viewer.ipynb?token={token}")
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")))
        step = "kernel idle"  # Run All before the kernel is connected can be dropped (seen once: no cell ran)
        wait.until(
            EC.presence_of_element_located(
                (By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']")
            )
        )
        step = "Run All Cells"

        def started(d):  # a cell is queued, running or done: its prompt shows [*] or [n]
            return any(
                p.text.strip() not in ("", "[ ]:")
                for p in d.find_elements(By.CSS_SELECTOR, ".jp-InputArea-prompt")
            )

        def accept_dialogs():  # JupyterLab sometimes asks "Select Kernel" (default: the notebook's python3)
            for button in driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog button.jp-mod-accept"):
                if button.is_displayed():
                    button.click()

        # JupyterLab sometimes opens a "Select Kernel" dialog over the notebook (2 of 13 local runs failed,
        # one screenshot showed the click on Run intercepted by it), and a Run All issued while it shows, or
        # right after the kernel first reports idle, is dropped (no cell ran: once under make test, once in
        # fresh-clone CI): accept the dialog and issue Run All again, at most three times, until a cell has
        # started.
        for _attempt in range(3):
            time.sleep(1)
            accept_dialogs()
            try:
                wait.until(
                    EC.element_to_be_clickable(
                        (
                            By.XPATH,
                            "//div[contains(@class,'lm-MenuBar-itemLabel') and normalize-space()='Run']",
                        )
                    )
                ).click()
                wait.until(
                    EC.element_to_be_clickable(
                        (
                            By.XPATH,
                            "//li[contains(@class,'lm-Menu-item')]"
                            "[.//div[normalize-space()='Run All Cells']]",
                        )
                    )
                ).click()
                WebDriverWait(driver, 15).until(started)
                break
            except (ElementClickInterceptedException, TimeoutException):
                continue
        step = "widgets render"
        img = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "img.widget-image")))
        wait.until(
            lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)
        )
        step = "controls"
        # every control of the viewer is on the page
        for css, n in (
            (".widget-dropdown", 2),
            (".widget-slider", 4),
            (".widget-play", 1),
            (".widget-select-multiple", 1),
            (".widget-toggle-button", 5),
            (".widget-checkbox", 1),
        ):
            found = driver.find_elements(By.CSS_SELECTOR, css)
            assert len(found) >= n, f"{css}: {len(found)} rendered, expected {n}"
        # the static picture cell ran too
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".jp-RenderedImage img")) >= 1)
        step = "view button redraws"
        before = img.get_attribute("src")
        flow_btn = driver.find_element(
            By.XPATH, "//button[contains(@class,'widget-toggle-button') and normalize-space()='flow colour']"
        )
        driver.execute_script("arguments[0].scrollIntoView()", flow_btn)
        flow_btn.click()  # a round trip through the kernel: the picture changes
        wait.until(
            lambda d: d.find_element(By.CSS_SELECTOR, "img.widget-image").get_attribute("src") != before
        )
        shot = tmp / "viewer.png"
        driver.find_element(By.CSS_SELECTOR, "img.widget-image").screenshot(str(shot))
        pic = cv2.imread(str(shot))
        assert pic is not None and pic.shape[0] > 50 and pic.shape[1] > 150
        assert pic.reshape(-1, 3).std(0).max() > 10  # not a blank box
        out = os.environ.get("ARSR_VIEWER_SCREENSHOT")
        if out:
            driver.save_screenshot(out)
    except Exception as exc:
        driver.save_screenshot(str(tmp / "failure.png"))
        raise AssertionError(
            f"viewer browser test failed at step {step!r} ({type(exc).__name__}); "
            f"screenshot {tmp / 'failure.png'}, server log {tmp / 'lab.log'}"
        ) from exc
    finally:
        driver.quit()
