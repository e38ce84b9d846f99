import Foundation
import MemQTransport
import Testing

/// Context shutdown and termination as seen by socket threads.
@Suite("ZMQContext shutdown")
struct ContextTests {
    @Test("Terminating the context ends a receive blocked on another thread with isTerminated")
    func terminationEndsBlockedReceive() throws {
        let context = try ZMQContext()
        let bound = DispatchSemaphore(value: 0)
        let outcome = Locked<String>("nothing yet")
        let socketThread = TestSupport.onThread("test.blocked-receive") {
            do {
                // Long but finite, so a broken termination fails the test instead of hanging it.
                let pull = try TestSupport.socket(context, .pull, receiveTimeoutMs: 5000)
                try pull.bind("inproc://blocked")
                bound.signal()
                let message = try pull.receiveMultipart()
                outcome.update { $0 = "returned \(String(describing: message))" }
            } catch let error as ZMQError where error.isTerminated {
                outcome.update { $0 = "terminated" }
            } catch {
                outcome.update { $0 = "failed: \(error)" }
            }
        }
        #expect(TestSupport.waited(bound))
        Thread.sleep(forTimeInterval: 0.05)  // Let it block in zmq_msg_recv.

        let start = ContinuousClock.now
        let terminator = TestSupport.onThread("test.terminate") {
            do { try context.terminate() } catch { outcome.update { $0 = "terminate failed: \(error)" } }
        }
        #expect(TestSupport.waited(socketThread))
        #expect(TestSupport.waited(terminator))
        #expect(outcome.value == "terminated")
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(context.isShutDown)
    }

    @Test("After shutdown, creating a socket fails with isTerminated")
    func shutdownRefusesSockets() throws {
        let context = try ZMQContext()
        context.shutdown()
        context.shutdown()
        let error = #expect(throws: ZMQError.self) { _ = try ZMQSocket(context, type: .pair) }
        #expect(error?.isTerminated == true)
        try context.terminate()
        try context.terminate()
        let afterTerm = #expect(throws: ZMQError.self) { _ = try ZMQSocket(context, type: .pair) }
        #expect(afterTerm?.isTerminated == true)
    }
}
