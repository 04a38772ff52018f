//! The discrete-event queue: a binary heap ordered by (instant, class, slot, sequence).
//!
//! The class encodes the "same instant" convention of §7 (6): agent-side changes first
//! (in ascending slot order), then the restart supervisor, then updater workers, then the
//! updater's main loop, then its monitor timer, and last the hand-out of the next slot.
//! A handler may schedule events at the current instant; they run before later instants,
//! in class order, which models the cascade of zero-latency manager reactions.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::{DelayId, TaskId, UpdaterId};
use crate::rollout::spec::Millis;

/// Who reacts, which decides the order of events sharing an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub(super) enum Class {
    /// (a) A node: task preparation, container start, probe result, exit.
    Agent,
    /// (b) The restart supervisor and its delayed starts (and the scheduler).
    Supervisor,
    /// (c) Updater workers.
    Worker,
    /// (d) The updater's main loop reading the failure watch.
    MainLoop,
    /// The end of the final monitor period (a failure in the same instant is read first).
    MonitorTimer,
    /// (e) The main loop handing the next slot to a free worker.
    Handout,
}

/// Something that happens at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Event {
    /// The task's image is pulled and its container created.
    Prepared { task: TaskId, generation: u32 },
    /// The task's container starts.
    ContainerStart { task: TaskId, generation: u32 },
    /// The container's health status changes (the result of a probe).
    HealthChange { task: TaskId, generation: u32 },
    /// The task's container exits (crash, or end of a stop sequence).
    ContainerExit { task: TaskId, generation: u32 },
    /// A task without a container reaches SHUTDOWN after being told to stop.
    StoppedWithoutContainer { task: TaskId, generation: u32 },
    /// The restart supervisor looks at a task that ended while desired ≤ RUNNING.
    RestartCheck { task: TaskId },
    /// A delayed start's delay or old-task timeout elapsed.
    DelayTimer { delay: DelayId },
    /// The old task a delayed start waits for has ended.
    OldTaskGone { delay: DelayId },
    /// A worker's watch sees its new task at ≥ RUNNING.
    WorkerSeesTask {
        updater: UpdaterId,
        worker: usize,
        task: TaskId,
    },
    /// A worker's delayed start finished.
    WorkerStartDone { updater: UpdaterId, worker: usize },
    /// A worker's `delay` sleep ended.
    WorkerSleepDone { updater: UpdaterId, worker: usize },
    /// The main loop may read its failure watch.
    MainLoopWake { updater: UpdaterId },
    /// The final monitor period ended.
    MonitorEnd { updater: UpdaterId },
    /// The main loop may hand out the next slot.
    Handout { updater: UpdaterId },
}

impl Event {
    fn class(self) -> Class {
        match self {
            Event::Prepared { .. }
            | Event::ContainerStart { .. }
            | Event::HealthChange { .. }
            | Event::ContainerExit { .. }
            | Event::StoppedWithoutContainer { .. } => Class::Agent,
            Event::RestartCheck { .. } | Event::DelayTimer { .. } | Event::OldTaskGone { .. } => {
                Class::Supervisor
            }
            Event::WorkerSeesTask { .. }
            | Event::WorkerStartDone { .. }
            | Event::WorkerSleepDone { .. } => Class::Worker,
            Event::MainLoopWake { .. } => Class::MainLoop,
            Event::MonitorEnd { .. } => Class::MonitorTimer,
            Event::Handout { .. } => Class::Handout,
        }
    }
}

/// Heap entry. The key packs (instant, class, slot, sequence) into one `u128` so that the
/// heap compares a single integer: instant in the high 64 bits, then 3 bits of class,
/// 21 bits of slot and 40 bits of sequence (slots ≤ 100,000 < 2^21; the event budget keeps
/// the sequence far below 2^40).
#[derive(Debug)]
struct Entry {
    key: u128,
    event: Event,
}

const SLOT_BITS: u32 = 21;
const SEQUENCE_BITS: u32 = 40;

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

/// Min-queue of events. The sequence number makes the order total, hence deterministic.
#[derive(Debug, Default)]
pub(super) struct EventQueue {
    heap: BinaryHeap<Reverse<Entry>>,
    next_sequence: u64,
}

impl EventQueue {
    /// An empty queue with room for `capacity` pending events.
    pub(super) fn with_capacity(capacity: usize) -> Self {
        Self { heap: BinaryHeap::with_capacity(capacity), next_sequence: 0 }
    }

    /// Schedules `event` at `at`. `slot` orders agent events of one instant (0 otherwise).
    pub(super) fn push(&mut self, at: Millis, slot: u32, event: Event) {
        let class = event.class();
        let slot = if class == Class::Agent { slot.min((1 << SLOT_BITS) - 1) } else { 0 };
        let sequence = self.next_sequence.min((1 << SEQUENCE_BITS) - 1);
        self.next_sequence += 1;
        let low = (class as u64) << (SLOT_BITS + SEQUENCE_BITS)
            | u64::from(slot) << SEQUENCE_BITS
            | sequence;
        let key = u128::from(at) << 64 | u128::from(low);
        self.heap.push(Reverse(Entry { key, event }));
    }

    /// The instant of the next event.
    pub(super) fn peek_time(&self) -> Option<Millis> {
        self.heap.peek().map(|Reverse(entry)| (entry.key >> 64) as Millis)
    }

    /// Removes and returns the next event.
    pub(super) fn pop(&mut self) -> Option<(Millis, Event)> {
        self.heap.pop().map(|Reverse(entry)| ((entry.key >> 64) as Millis, entry.event))
    }

    /// True when nothing is scheduled.
    pub(super) fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_class_then_slot_then_insertion() {
        let mut queue = EventQueue::default();
        queue.push(5, 0, Event::Handout { updater: 0 });
        queue.push(5, 0, Event::MainLoopWake { updater: 0 });
        queue.push(
            5,
            2,
            Event::ContainerExit {
                task: 2,
                generation: 0,
            },
        );
        queue.push(
            5,
            1,
            Event::ContainerExit {
                task: 1,
                generation: 0,
            },
        );
        queue.push(3, 9, Event::RestartCheck { task: 7 });
        queue.push(
            5,
            1,
            Event::ContainerStart {
                task: 3,
                generation: 0,
            },
        );
        let order: Vec<Event> = std::iter::from_fn(|| queue.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            order,
            vec![
                Event::RestartCheck { task: 7 },
                Event::ContainerExit {
                    task: 1,
                    generation: 0
                },
                Event::ContainerStart {
                    task: 3,
                    generation: 0
                },
                Event::ContainerExit {
                    task: 2,
                    generation: 0
                },
                Event::MainLoopWake { updater: 0 },
                Event::Handout { updater: 0 },
            ]
        );
        assert!(queue.is_empty());
    }
}
