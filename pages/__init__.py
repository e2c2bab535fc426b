"""Page objects for the Seller Center screens (Playwright sync API).

The only code that knows what the screens look like (docs/screens.md). Screens return the next
page object from their verbs and typed ``evidence.models`` from their readers; failures are the
typed errors of ``pages.errors``. ``reader_for`` gives the layout-independent ``RefundReader``.
"""

from pages.base import FailureSnapshot, Panel, Screen, full_screenshot, snapshot_failure
from pages.dispute_area import DisputeArea
from pages.dispute_form import REASONS, DisputeForm, DisputeFormFacts, DisputeSubmitted
from pages.disputes import CasePage, DisputesDashboard
from pages.errors import (
    AccountLocked,
    ConnectionLost,
    ElementMissing,
    LoginFailed,
    NotARefund,
    OrderNotFound,
    OrderTooOld,
    PageError,
    RateLimited,
    ScreenNotReached,
    ServerError,
    SessionExpired,
    UnreadableValue,
)
from pages.inbox import InboxPage, ThreadPage, ThreadSummary, find_threads
from pages.login import LoginPage, TwoFactorPage
from pages.payments import (
    OrderSummary,
    PaymentsPage,
    ResultRow,
    SearchTransactionsTab,
    TransactionDetailsDialog,
    TransactionHistory,
)
from pages.readers import (
    SCREENS,
    OnScreen,
    PaymentsReader,
    RefundReader,
    ReturnsReader,
    TransactionsReader,
    reader_for,
)
from pages.returns import ReturnDetails, ReturnsDashboard
from pages.shell import Shell, session_expired
from pages.transactions import TransactionDrawer, TransactionsDashboard

__all__ = [
    "REASONS",
    "SCREENS",
    "AccountLocked",
    "CasePage",
    "ConnectionLost",
    "DisputeArea",
    "DisputeForm",
    "DisputeFormFacts",
    "DisputeSubmitted",
    "DisputesDashboard",
    "ElementMissing",
    "FailureSnapshot",
    "InboxPage",
    "LoginFailed",
    "LoginPage",
    "NotARefund",
    "OnScreen",
    "OrderNotFound",
    "OrderSummary",
    "OrderTooOld",
    "PageError",
    "Panel",
    "PaymentsPage",
    "PaymentsReader",
    "RateLimited",
    "RefundReader",
    "ResultRow",
    "ReturnDetails",
    "ReturnsDashboard",
    "ReturnsReader",
    "Screen",
    "ScreenNotReached",
    "SearchTransactionsTab",
    "ServerError",
    "SessionExpired",
    "Shell",
    "ThreadPage",
    "ThreadSummary",
    "TransactionDetailsDialog",
    "TransactionDrawer",
    "TransactionHistory",
    "TransactionsDashboard",
    "TransactionsReader",
    "TwoFactorPage",
    "UnreadableValue",
    "find_threads",
    "reader_for",
    "session_expired",
    "full_screenshot",
    "snapshot_failure",
]
