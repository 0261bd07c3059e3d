#if canImport(Glibc)
import Glibc
#endif
import Habitat
import Handlebars
import Supervision

/// Rendering, reconfigure-or-restart decisions, and watching files.
extension ServiceRunner {
    // MARK: Rendering and reconfiguration

    /// Renders every template and writes what changed. Returns the plan
    /// (every file, and whether it differed from what was on disk), or nil
    /// (after logging why) when rendering failed, in which case nothing was
    /// written. What is on disk is the one truth of "changed": a file the
    /// service user altered counts as changed when roost puts it back.
    func renderAndWrite(report: Bool) -> [RenderedOutput.Result]? {
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
            if let run = files.first(where: { $0.kind == .hook && $0.path == Hook.run.fileName }) {
                try AtomicWrite.writeIfChanged(Array(run.content.utf8), to: layout.runFile, mode: 0o755)
            }
        } catch {
            log.error(error.description)
            return nil
        }
        // `roost dev` shows what changed, secrets masked.
        if report && options.mode == .dev, let diffs = try? pipeline.diffs(results, of: service, names: .relative, contextLines: 1) {
            for diff in diffs {
                Log.write(2, diff.split(separator: "\n", omittingEmptySubsequences: false).prefix(40).joined(separator: "\n") + (diff.isEmpty ? "" : "\n"))
            }
        }
        return results
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
        guard let plan = renderAndWrite(report: true) else {
            log.error("(the service keeps running with its previous configuration)")
            return
        }
        let changed = RenderedOutput.changedPaths(plan)
        guard !changed.isEmpty else {
            if options.mode == .dev { log.info("no rendered file changed") }
            return
        }
        log.info("re-rendered: " + changed.joined(separator: ", "))
        send(.configChanged(TemplateUpdate(plan: plan, hasReconfigureHook: templates.hasHook(Hook.reconfigure.fileName))))
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
