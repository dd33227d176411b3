export * from './calendarDate';
export * from './workingDays';
export * from './deadlines';
export * from './extract';
