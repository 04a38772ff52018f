//! The discrete-event queue: a binary heap ordered by (instant, class, slot, sequence).
//!
//! The class encodes the "same instant" convention of §7 (6): agent-side changes first
//! (in ascending slot order), then the restart supervisor, then updater workers, then the
//! updater's main loop, then its monitor timer, and last the hand-out of the next slot.
//! A handler may schedule events at the current instant; they run before later instants,
//! in class order, which models the cascade of zero-latency manager reactions.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{DelayId, TaskId, UpdaterId};
use crate::rollout::time::Millis;

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

/// Min-queue of events.
///
/// Heap entries are `(key, slot in payloads)`. The key packs the order into one `u128`: the
/// instant in the high 64 bits, then 3 bits of class, 17 bits of slot number (slots ≤
/// `MAX_SLOTS` < 2^17) and a 44-bit sequence number that makes the order total (hence
/// deterministic) and first-in-first-out within one (instant, class, slot). Payloads live in
/// a slab whose freed places are reused, so memory follows the number of pending events.
#[derive(Debug, Default)]
pub(super) struct EventQueue {
    heap: BinaryHeap<Reverse<(u128, u32)>>,
    payloads: Vec<Event>,
    free: Vec<u32>,
    next_sequence: u64,
}

const SLOT_BITS: u32 = 17;
const SEQUENCE_BITS: u32 = 44;

impl EventQueue {
    /// An empty queue with room for `pending` simultaneously scheduled events.
    pub(super) fn with_capacity(pending: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(pending),
            payloads: Vec::with_capacity(pending),
            free: Vec::new(),
            next_sequence: 0,
        }
    }

    /// Schedules `event` at `at`. `slot` orders agent events of one instant (0 otherwise).
    pub(super) fn push(&mut self, at: Millis, slot: u32, event: Event) {
        let class = event.class();
        let slot = if class == Class::Agent {
            slot.min((1 << SLOT_BITS) - 1)
        } else {
            0
        };
        // The simulation's event budget keeps this far below 2^44.
        let sequence = self.next_sequence.min((1 << SEQUENCE_BITS) - 1);
        self.next_sequence += 1;
        let low = (class as u64) << (SLOT_BITS + SEQUENCE_BITS)
            | u64::from(slot) << SEQUENCE_BITS
            | sequence;
        let place = match self.free.pop() {
            Some(place) => {
                self.payloads[place as usize] = event;
                place
            }
            None => {
                self.payloads.push(event);
                // Pending events are bounded far below 2^32 by the event budget.
                (self.payloads.len() - 1) as u32
            }
        };
        self.heap
            .push(Reverse((u128::from(at) << 64 | u128::from(low), place)));
    }

    /// The instant of the next event.
    pub(super) fn peek_time(&self) -> Option<Millis> {
        self.heap
            .peek()
            .map(|Reverse((key, _))| (key >> 64) as Millis)
    }

    /// Removes and returns the next event.
    pub(super) fn pop(&mut self) -> Option<(Millis, Event)> {
        let Reverse((key, place)) = self.heap.pop()?;
        let event = *self.payloads.get(place as usize)?;
        self.free.push(place);
        Some(((key >> 64) as Millis, event))
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
