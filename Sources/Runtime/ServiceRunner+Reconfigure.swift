#if canImport(Glibc)
import Glibc
#endif
import Habitat
import Handlebars
import Supervision

/// Rendering, reconfigure-or-restart decisions, and watching files.
extension ServiceRunner {
    // MARK: Rendering and reconfiguration

    /// Renders every template and writes what changed. Returns the changed
    /// relative paths, or nil (after logging why) when rendering failed, in
    /// which case nothing was written.
    @discardableResult
    func renderAndWrite(report: Bool) -> [String]? {
        let pipeline = RenderPipeline(templates: templates, settings: options.settings)
        let files: [RenderedFile]
        do {
            files = try pipeline.render(service.context)
        } catch {
            log.error(error.description)
            return nil
        }
        let results = pipeline.plan(files, to: .init(layout: layout))
        do {
            try RenderedOutput.write(results, owner: identity.map { ($0.uid, $0.gid) })
            if let run = files.first(where: { $0.kind == .hook && $0.path == "run" }), rendered["hooks/run"] != run.content {
                try AtomicWrite.writeIfChanged(Array(run.content.utf8), to: layout.runFile, mode: 0o755)
            }
        } catch {
            log.error(error.description)
            return nil
        }
        var changed: [String] = []
        // `roost dev` shows a diff of what changed. Rendered files may hold
        // secrets, so the diff is made from renderings with every secret
        // redacted (kept from the previous round), never from the real ones.
        var redactedNow: [String: String] = [:]
        if options.mode == .dev, let redacted = try? pipeline.renderRedacted(service.context) {
            redactedNow = redacted
        }
        defer { renderedRedacted = redactedNow }
        let secretValues = options.mode == .dev
            ? Secrets.values(in: .object(service.config.merged), alsoAt: Secrets.pathsFromSecretFiles(service.config.provenance)) : []
        for r in results {
            if rendered[r.file.relativePath] != r.file.content {
                if report && options.mode == .dev {
                    let diff = LineDiff.unified(old: renderedRedacted[r.file.relativePath] ?? "", new: redactedNow[r.file.relativePath] ?? "",
                                                oldName: "a/" + r.file.relativePath, newName: "b/" + r.file.relativePath, context: 1)
                    // Secret values that reach a file under another key name
                    // (a `_FILE` secret, a toJson dump) are masked as well.
                    let shown = Secrets.mask(diff, values: secretValues)
                    Log.write(2, shown.split(separator: "\n", omittingEmptySubsequences: false).prefix(40).joined(separator: "\n") + (shown.isEmpty ? "" : "\n"))
                }
                changed.append(r.file.relativePath)
            }
            rendered[r.file.relativePath] = r.file.content
        }
        return changed
    }

    /// Re-reads what may have changed, re-renders, and hands the lifecycle
    /// a `TemplateUpdate` (restart or reconfigure, spec 7.4). A bad edit is
    /// logged and the running service keeps its previous config.
    func reload(fullConfig: Bool, packageFiles: Bool) {
        guard !isFinished, lifecycle.state != .waitingForBinds else { return }
        do {
            if fullConfig || packageFiles {
                let reloaded = try LoadedService.load(options.settings, binds: service.context.binds)
                let newTemplates = try PackageTemplates.load(reloaded.package)
                service = reloaded
                templates = newTemplates
            } else {
                let user = try LayeredConfig.loadUser(candidates: options.settings.userTOMLCandidates(for: service.package.name))
                service.context.config = try service.config.replacingUserLayer(user)
            }
        } catch {
            log.error("\(error.description)\n  (the service keeps running with its previous configuration)")
            return
        }
        guard let changed = renderAndWrite(report: true) else {
            log.error("(the service keeps running with its previous configuration)")
            return
        }
        guard !changed.isEmpty else {
            if options.mode == .dev { log.info("no rendered file changed") }
            return
        }
        log.info("re-rendered: " + changed.joined(separator: ", "))
        send(.configChanged(TemplateUpdate(changed: changed, hasReconfigureHook: templates.hasHook(Hook.reconfigure.fileName))))
    }

    // MARK: Watching

    var watchers: [FileWatcher] { [userWatcher] + (packageWatcher.map { [$0] } ?? []) }

    /// Reacts to changes of the watched files: at once through inotify when
    /// the kernel has it, else by polling (every 2 s, 0.5 s in `dev`).
    /// `start` arms inotify a second after start-up, once the service runs:
    /// a service that exits at once then never pays for releasing watches
    /// (see `FileWatcher.release`), and an edit made in between is still
    /// seen, the watchers' snapshots being older.
    func startWatching() {
        loop.schedule(after: options.mode == .dev ? .zero : .seconds(1)) { [unowned self] in
            guard !self.isFinished else { return }
            let watchers = self.watchers
            guard watchers.allSatisfy({ $0.notify() }) else { return self.scheduleWatching() }
            for watcher in watchers { self.listen(to: watcher) }
            self.checkWatchedFiles(debounce: .milliseconds(10))
        }
    }

    /// Waits for the watcher's next inotify event; then stops listening for
    /// 5 ms (events keep queueing) before comparing snapshots, so files
    /// written nonstop in a watched directory cost one look per 5 ms, never
    /// a busy loop; a change then waits for 10 quiet ms (an editor's several
    /// writes make one reload).
    func listen(to watcher: FileWatcher) {
        guard let fd = watcher.descriptor, !watcher.isReleased else { return }
        loop.watchReadable(fd) { [unowned self] in
            guard watcher.drain() else { return }
            self.loop.unwatchReadable(fd)
            self.loop.schedule(after: .milliseconds(5)) { [unowned self] in
                guard !self.isFinished, !watcher.isReleased else { return }
                watcher.drain()
                self.checkWatchedFiles(debounce: .milliseconds(10))
                self.listen(to: watcher)
            }
        }
    }

    /// Drops the inotify watches as soon as roost is going to exit.
    func stopWatching() {
        for watcher in watchers {
            if let fd = watcher.descriptor { loop.unwatchReadable(fd) }
            watcher.release()
        }
    }

    /// The polling fallback.
    func scheduleWatching() {
        let interval = options.mode == .dev ? Duration.milliseconds(500) : options.watchInterval
        loop.schedule(after: interval) { [unowned self] in
            guard !self.isFinished else { return }
            self.checkWatchedFiles(debounce: .milliseconds(300))
            self.scheduleWatching()
        }
    }

    /// Editors write in several steps: a reload waits until the files were
    /// quiet for `debounce`.
    func checkWatchedFiles(debounce: Duration) {
        let userChanges = userWatcher.changes()
        let packageChanges = packageWatcher?.changes() ?? []
        guard !userChanges.isEmpty || !packageChanges.isEmpty else { return }
        // Debounce: editors write in several steps; act once things settle.
        if let pendingReload { loop.cancel(pendingReload) }
        let full = !packageChanges.isEmpty
        let bindsFileChanged = options.bindsFile.map { f in userChanges.contains(f) } ?? false
        for path in (packageChanges + userChanges).prefix(5) { log.info("changed: \(path)") }
        pendingReload = loop.schedule(after: debounce) { [unowned self] in
            self.pendingReload = nil
            if bindsFileChanged { self.reloadBindsFile() }
            if full || userChanges.contains(where: { $0 != self.options.bindsFile }) {
                self.reload(fullConfig: full, packageFiles: full)
            }
        }
    }
}
